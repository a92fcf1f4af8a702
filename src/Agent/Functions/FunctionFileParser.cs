using System.Text;
using YamlDotNet.Core;
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
    ];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Parses <paramref name="content"/>, the bytes of the func.yml at <paramref name="path"/>:
    /// UTF-8, with or without a byte order mark. Bytes that are not UTF-8 are a load error
    /// naming their line; decoding them to U+FFFD would load a value the file never held
    /// (a cmd argument or config value quietly changed).
    /// </summary>
    public static ParsedFunctionFile Parse(string path, ReadOnlySpan<byte> content)
    {
        if (content.StartsWith("\uFEFF"u8))
        {
            content = content[3..];
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(content);
        }
        catch (DecoderFallbackException ex)
        {
            var at = Math.Clamp(ex.Index, 0, content.Length);
            var before = content[..at];
            var line = before.Count((byte)'\n') + 1;
            var column = at - (before.LastIndexOf((byte)'\n') + 1) + 1;
            return Failed(path, line, $"not valid UTF-8 at column {column} (byte 0x{ex.BytesUnknown?.FirstOrDefault() ?? content[at]:X2}); a func.yml must be UTF-8");
        }

        return Parse(path, text);
    }

    /// <summary>
    /// Parses <paramref name="text"/>, the content of the func.yml at <paramref name="path"/>.
    /// Errors carry <paramref name="path"/> as given; the definition's <c>SourceFile</c> is its
    /// full path and <c>Directory</c> the folder holding it.
    /// </summary>
    public static ParsedFunctionFile Parse(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(text);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            return Failed(path, (int)ex.Start.Line, $"YAML syntax error at column {ex.Start.Column}: {SyntaxMessage(ex)}");
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet 16.3 throws this, without a position, on some malformed flow
            // collections (an unclosed "[x, y" followed by more keys).
            return Failed(path, null, $"YAML syntax error: {ex.Message}");
        }
        if (stream.Documents.Count == 0 || (stream.Documents[0].RootNode is YamlScalarNode first && FunctionFileReader.IsNull(first)))
        {
            return Failed(path, null, "the file is empty; a func.yml needs at least 'name' and 'cmd'");
        }
        if (stream.Documents.Count > 1)
        {
            return Failed(path, (int)stream.Documents[1].RootNode.Start.Line, $"expected one YAML document, found {stream.Documents.Count}");
        }
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var node = stream.Documents[0].RootNode;
            return Failed(path, (int)node.Start.Line, $"expected a mapping of keys like 'name: hello', got {FunctionFileReader.Describe(node)}");
        }

        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var unknown = new List<FunctionLoadError>();
        foreach (var (keyNode, valueNode) in root.Children)
        {
            if (keyNode is YamlScalarNode { Value: { } key } && Keys.Contains(key))
            {
                values[key] = valueNode;
            }
            else
            {
                var shown = keyNode is YamlScalarNode { Value: { } k } ? k : FunctionFileReader.Describe(keyNode);
                unknown.Add(new FunctionLoadError(path, shown, (int)keyNode.Start.Line, $"unknown key; known keys are {string.Join(", ", Keys)}"));
            }
        }

        var reader = new FunctionFileReader(path, values);
        var definition = Read(path, reader);
        var errors = unknown.Concat(reader.Errors).OrderBy(e => e.Line ?? 0).ToList();
        var routeLine = reader.Line("route") ?? reader.Line("name");
        return errors.Count == 0
            ? new ParsedFunctionFile(definition, [], routeLine)
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

        var command = reader.Argv("cmd");
        if (reader.Node("cmd") is null && !commands)
        {
            reader.ErrorAt("cmd", reader.Line("cmd"), reader.Line("cmd") is null
                ? "required key is missing (a list like [\"./hello.sh\"] or a string like \"python3 func.py\")"
                : "expected a command, got nothing");
        }
        command ??= commands && reader.Node("cmd") is null ? CommandsRunner : null;

        // Direktiv's own spelling of the command runner (its func.yml "cmd") means the same.
        commands |= command is [var program, ..] && program == CommandsRunner[0];

        var format = ReadFormat(reader, commands);
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
            MaxConcurrency = maxConcurrency,
            MinIdle = minIdle ?? 0,
            AsyncConcurrency = asyncConcurrency,
            Retries = retries ?? 0,
            Config = config ?? new Dictionary<string, string>(),
            Headers = headers ?? new Dictionary<string, string>(),
            Build = build,
            Directory = Path.GetDirectoryName(sourceFile) ?? sourceFile,
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

    // YamlException.Message starts with "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the
    // line and column are reported separately, so keep only the explanation.
    private static string SyntaxMessage(YamlException ex)
    {
        var message = ex.Message;
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && marker >= 0 ? message[(marker + 3)..] : message;
    }

    private static ParsedFunctionFile Failed(string path, int? line, string message) =>
        new(null, [new FunctionLoadError(path, null, line, message)], null);
}
