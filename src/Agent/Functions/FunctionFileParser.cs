using YamlDotNet.RepresentationModel;

namespace Fnagent.Functions;

/// <summary>
/// Parses one <c>func.yml</c> (see <c>func.yml.example</c> at the repository root for every
/// key) into a <see cref="FunctionDefinition"/>, or into every problem found, each naming the
/// file, the key and the line. Pure and thread-safe: it reads no file and runs nothing.
/// </summary>
public static class FunctionFileParser
{
    /// <summary>The file name the agent looks for in every function folder.</summary>
    public const string FileName = "func.yml";

    /// <summary>The only accepted <c>runtime</c>: the Direktiv command runner.</summary>
    public const string CommandsRuntime = "commands";

    /// <summary>The command of a function with <c>runtime: commands</c> and no <c>cmd</c>.</summary>
    public static IReadOnlyList<string> CommandsRunner { get; } = ["/usr/share/direktiv/direktiv-cmd"];

    /// <summary>Every key a func.yml may hold.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "name", "app", "route", "cmd", "format", "type", "timeout", "idle_timeout", "memory", "cpus",
        "max_concurrency", "min_idle", "async_concurrency", "retries", "config", "headers", "build", "runtime",
        "code", "triggers", "annotations", "auth", "pids", "tmp_size", "network", "writable_folder", "sonr",
    ];

    /// <summary>Keys a Sonr function cannot have: its binary is its command, run cold, only where Sonr calls it.</summary>
    private static readonly string[] NotWithSonr = ["cmd", "build", "runtime", "code", "triggers", "type", "writable_folder"];

    /// <summary>The value of <c>code</c> in a function the API created whose code was not uploaded yet.</summary>
    public const string NoCode = "none";

    /// <summary>
    /// Parses <paramref name="content"/>, the bytes of the func.yml at <paramref name="path"/>:
    /// UTF-8, with or without a byte order mark (<see cref="YamlFile.Decode"/>).
    /// </summary>
    public static ParsedFunctionFile Parse(string path, ReadOnlySpan<byte> content) =>
        YamlFile.Decode(path, content, out var error) is { } text ? Parse(path, text) : Failed(error!);

    /// <summary>
    /// Parses <paramref name="text"/>, the content of the func.yml at <paramref name="path"/>.
    /// Errors carry <paramref name="path"/> as given; the definition's <c>SourceFile</c> is its
    /// full path and <c>Directory</c> the folder holding it (or its <c>code</c> folder).
    /// </summary>
    public static ParsedFunctionFile Parse(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(text);
        if (YamlFile.Load(path, text, "a func.yml needs at least 'name' and 'cmd'", out var error) is not { } root)
        {
            return Failed(error!);
        }

        var unknown = new List<FunctionLoadError>();
        var values = YamlFile.Values(path, root, Keys, unknown);
        return Parse(path, values, unknown, []);
    }

    /// <summary>
    /// The definition the <paramref name="values"/> of a func.yml's keys give, or every
    /// problem among them and <paramref name="earlier"/>; shared with the Fn func.yaml, whose
    /// keys are translated into these (<see cref="FnFuncFileParser"/>).
    /// </summary>
    internal static ParsedFunctionFile Parse(string path, IReadOnlyDictionary<string, YamlNode> values, List<FunctionLoadError> earlier, IReadOnlyList<string> notes)
    {
        var reader = new FunctionFileReader(path, values);
        var definition = Read(path, reader);
        var errors = earlier.Concat(reader.Errors).OrderBy(e => e.Line ?? 0).ToList();
        var routeLine = reader.Line("route") ?? reader.Line("name");
        return errors.Count == 0
            ? new ParsedFunctionFile(definition! with { Notes = notes }, [], routeLine)
            : new ParsedFunctionFile(null, errors, routeLine);
    }

    private static FunctionDefinition? Read(string path, FunctionFileReader reader)
    {
        var name = reader.Identifier("name");
        if (reader.Node("name") is null)
        {
            reader.ErrorAt("name", reader.Line("name"), reader.Line("name") is null ? "required key is missing" : "expected a name, got nothing");
        }
        var app = reader.Identifier("app") ?? "default";

        var runtime = reader.Text("runtime", "a runtime name");
        var commands = false;
        if (runtime is not null)
        {
            commands = runtime == CommandsRuntime;
            if (!commands)
            {
                reader.Error("runtime", reader.Node("runtime"), $"expected \"{CommandsRuntime}\" (the Direktiv command runner), got {FunctionFileReader.Quote(runtime)}");
            }
        }

        string? route = null;
        if (reader.Text("route", "a route like /hello") is { } written)
        {
            if (FunctionRoute.TryNormalize(written, out var normalized, out var error))
            {
                route = normalized;
            }
            else
            {
                reader.Error("route", reader.Node("route"), $"{error}, got {FunctionFileReader.Quote(written)}");
            }
        }
        else if (name is not null)
        {
            route = "/" + name;
        }

        var sonr = reader.Sonr("sonr");
        var isSonr = reader.Node("sonr") is not null;
        foreach (var key in NotWithSonr.Where(key => isSonr && reader.Node(key) is not null))
        {
            reader.Error(key, reader.Node(key), "a Sonr function (sonr) cannot have it: its binary is its command, run cold, its output the response or its callback's");
        }

        var code = reader.CodeFolder("code", Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/");
        var command = isSonr ? Array.Empty<string>() : reader.Argv("cmd");
        if (reader.Node("cmd") is null && !commands && !isSonr && code is not { HasCode: false })
        {
            reader.ErrorAt("cmd", reader.Line("cmd"), reader.Line("cmd") is null
                ? "required key is missing (a list like [\"./hello.sh\"] or a string like \"python3 func.py\")"
                : "expected a command, got nothing");
        }
        command ??= commands && reader.Node("cmd") is null ? CommandsRunner : code is { HasCode: false } ? [] : null;

        // Direktiv's own spelling of the command runner (its func.yml "cmd") means the same.
        commands |= command is [var program, ..] && program == CommandsRunner[0];

        var format = ReadFormat(reader, commands);
        if (isSonr && format != FunctionFormat.Default)
        {
            reader.Error("format", reader.Node("format"), "a Sonr function (sonr) is run cold: its format is \"default\"");
        }

        var type = reader.Text("type", "sync or async") switch
        {
            null => FunctionType.Sync,
            "sync" => FunctionType.Sync,
            "async" => FunctionType.Async,
            var other => Invalid(reader, "type", $"expected \"sync\" or \"async\", got {FunctionFileReader.Quote(other)}", FunctionType.Sync),
        };

        var timeout = reader.Seconds("timeout", allowZero: false);
        var idleTimeout = reader.Seconds("idle_timeout", allowZero: true);
        var memory = reader.WholeNumber("memory", "MB", min: 1);
        var cpus = reader.Cpus("cpus");
        var pids = reader.WholeNumber("pids", "processes", min: 8); // the sandbox's own two and its spawning thread count too
        var tmpSize = reader.WholeNumber("tmp_size", "MB", min: 1);
        // A Sonr function has no network unless its definition says so (docs/protocols.md §9).
        var network = reader.Text("network", "host or none") switch
        {
            null when isSonr => FunctionNetwork.None,
            null or "host" => FunctionNetwork.Host,
            "none" => FunctionNetwork.None,
            var other => Invalid(reader, "network", $"expected \"host\" or \"none\", got {FunctionFileReader.Quote(other)}", FunctionNetwork.Host),
        };
        var writableFolder = reader.Text("writable_folder", "true or false") switch
        {
            null or "false" => false,
            "true" => true,
            var other => Invalid(reader, "writable_folder", $"expected true or false, got {FunctionFileReader.Quote(other)}", false),
        };
        // Cold calls keep nothing between calls: their limit guards the machine, not memory
        // held warm, so it allows more at once than a hot pool keeps alive.
        var maxConcurrency = reader.WholeNumber("max_concurrency", "processes", min: 1) ?? (FunctionFormats.Of(format).Lifetime == FormatLifetime.Cold ? 16 : 4);
        var minIdle = reader.WholeNumber("min_idle", "processes", min: 0);
        if (minIdle is { } idle && idle > maxConcurrency)
        {
            reader.Error("min_idle", reader.Node("min_idle"), $"expected at most max_concurrency ({maxConcurrency}) processes, got \"{idle}\"");
        }

        // Async calls take at most half the function's places unless it says otherwise, so
        // its sync callers always find one (a queue of async calls never starves them). More
        // than its places wait in its line with the sync callers, keeping its processes busy.
        var asyncConcurrency = reader.WholeNumber("async_concurrency", "calls", min: 1) ?? Math.Max(1, maxConcurrency / 2);
        if (asyncConcurrency > FunctionDefinition.MaxAsyncPerPlace * maxConcurrency)
        {
            reader.Error("async_concurrency", reader.Node("async_concurrency"),
                $"expected at most {FunctionDefinition.MaxAsyncPerPlace} times max_concurrency ({FunctionDefinition.MaxAsyncPerPlace * maxConcurrency}) calls, got \"{asyncConcurrency}\"");
        }

        var retries = reader.WholeNumber("retries", "attempts", min: 0);
        if (retries > FunctionDefinition.MaxRetries)
        {
            reader.Error("retries", reader.Node("retries"), $"expected at most {FunctionDefinition.MaxRetries} attempts, got \"{retries}\"");
        }

        var config = reader.Map("config", FunctionFileReader.EnvironmentName(), "environment variable names like API_URL", valuesAreHeaders: false);
        var headers = reader.Map("headers", FunctionFileReader.HeaderName(), "HTTP header names like Content-Type", valuesAreHeaders: true);
        var build = reader.Argv("build");
        if (writableFolder && build is not null)
        {
            // The build runs as the agent, unsandboxed, on what the function may write.
            reader.Error("writable_folder", reader.Node("writable_folder"), "cannot be true with a build: the build runs as the agent on the folder, which the function could rewrite");
        }

        var triggers = reader.Triggers("triggers");
        var annotations = reader.Annotations("annotations");
        var auth = reader.Auth("auth");

        if (reader.Errors.Count > 0 || name is null || route is null || command is null)
        {
            return null;
        }
        var sourceFile = Path.GetFullPath(path);
        return new FunctionDefinition
        {
            Name = name,
            App = app,
            Route = route,
            Command = command,
            Format = format,
            Type = type,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
            IdleTimeout = idleTimeout ?? TimeSpan.FromSeconds(30),
            MemoryMb = memory ?? 128,
            Cpus = cpus,
            Pids = pids,
            TmpSizeMb = tmpSize,
            Network = network,
            WritableFolder = writableFolder,
            MaxConcurrency = maxConcurrency,
            MinIdle = minIdle ?? 0,
            AsyncConcurrency = asyncConcurrency,
            Retries = retries ?? 0,
            Config = config ?? new Dictionary<string, string>(),
            OwnConfig = config ?? new Dictionary<string, string>(),
            Triggers = triggers ?? [],
            Annotations = annotations ?? new Dictionary<string, string>(),
            DeclaredAuth = auth,
            Auth = auth ?? CallAuth.Open,
            HasCode = code?.HasCode ?? true,
            Headers = headers ?? new Dictionary<string, string>(),
            Build = build,
            Sonr = sonr,
            Directory = code?.Folder ?? Path.GetDirectoryName(sourceFile) ?? sourceFile,
            SourceFile = sourceFile,
        };
    }

    private static FunctionFormat ReadFormat(FunctionFileReader reader, bool commands)
    {
        var text = reader.Text("format", "a format name");
        FunctionFormat? format = text switch
        {
            null => null,
            _ when FunctionFormats.Named(text) is { } row => row.Format,
            _ => Invalid<FunctionFormat?>(reader, "format", $"expected one of {FunctionFormats.QuotedNames}, got {FunctionFileReader.Quote(text)}", null),
        };
        if (commands && format is { } f && f != FunctionFormat.Direktiv)
        {
            // The command runner is a Direktiv custom function: it speaks nothing else.
            reader.Error("format", reader.Node("format"), $"runtime \"{CommandsRuntime}\" speaks only the \"direktiv\" format, got {FunctionFileReader.Quote(text!)}");
        }
        return format ?? (commands ? FunctionFormat.Direktiv : FunctionFormat.Default);
    }

    private static T Invalid<T>(FunctionFileReader reader, string key, string message, T fallback)
    {
        reader.Error(key, reader.Node(key), message);
        return fallback;
    }

    private static ParsedFunctionFile Failed(FunctionLoadError error) => new(null, [error], null);
}
