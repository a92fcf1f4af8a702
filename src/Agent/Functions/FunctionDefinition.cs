namespace Fnagent.Functions;

/// <summary>
/// One function as loaded from a <c>func.yml</c>: immutable; an edit of the file yields a
/// new instance. Two definitions that are equal in <see cref="LaunchKey"/> start their
/// processes identically.
/// </summary>
public sealed record FunctionDefinition
{
    /// <summary>The function's name, <c>[a-z0-9][a-z0-9_-]*</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The app it belongs to (default <c>default</c>).</summary>
    public required string App { get; init; }

    /// <summary>The route under the app, always starting with <c>/</c> (default <c>/&lt;name&gt;</c>).</summary>
    public required string Route { get; init; }

    /// <summary>The argv of the process: executable first. Never run through a shell.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public FunctionFormat Format { get; init; } = FunctionFormat.Default;

    public FunctionType Type { get; init; } = FunctionType.Sync;

    /// <summary>How long one call may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a hot process may sit idle before it is retired.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Memory limit in MB.</summary>
    public int MemoryMb { get; init; } = 128;

    /// <summary>CPU share as written (<c>500m</c> or <c>0.5</c>), or null when not set.</summary>
    public string? Cpus { get; init; }

    /// <summary>CPUs as a number (<see cref="Cpus"/> read), or null when not set.</summary>
    public double? CpuCount => Cpus switch
    {
        null => null,
        [.. var milli, 'm'] => double.Parse(milli, System.Globalization.CultureInfo.InvariantCulture) / 1000,
        var text => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Most processes at once (func.yml <c>pids</c>), or null for the agent's <c>Limits:Pids</c>.</summary>
    public int? Pids { get; init; }

    /// <summary>Size of the sandbox's <c>/tmp</c> in MB (func.yml <c>tmp_size</c>), or null for the agent's <c>Limits:TmpSizeMb</c>.</summary>
    public int? TmpSizeMb { get; init; }

    /// <summary>The sandbox's network: the host's, or none at all (an empty namespace, loopback down).</summary>
    public FunctionNetwork Network { get; init; } = FunctionNetwork.Host;

    /// <summary>True when the sandbox binds the function's folder writable (func.yml <c>writable_folder</c>); read-only otherwise.</summary>
    public bool WritableFolder { get; init; }

    /// <summary>At most this many processes (hot) or calls in flight (cold); a func.yml without it gets 4 hot, 16 cold.</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>Hot processes kept warm even when idle.</summary>
    public int MinIdle { get; init; }

    /// <summary>
    /// At most this many async calls of the function run at once; half of <see cref="MaxConcurrency"/>
    /// by default. Past <see cref="MaxConcurrency"/>, the rest wait in the function's line.
    /// </summary>
    public int AsyncConcurrency { get; init; } = 2;

    /// <summary>The most async calls in flight a func.yml may ask for, per place of <see cref="MaxConcurrency"/>.</summary>
    public const int MaxAsyncPerPlace = 4;

    /// <summary>The most <see cref="Retries"/> a func.yml may ask for.</summary>
    public const int MaxRetries = 10;

    /// <summary>
    /// How often an async call cut off by a crash of the agent runs again (at-least-once);
    /// 0, the default, fails it instead (at-most-once). Sync calls are never re-run.
    /// </summary>
    public int Retries { get; init; }

    /// <summary>Environment entries given to the process, keys exactly as written.</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();

    /// <summary>Headers added to every response.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>A build command run in <see cref="Directory"/> before the first start, or null.</summary>
    public IReadOnlyList<string>? Build { get; init; }

    /// <summary>
    /// The folder of the function's code (its <c>code</c> key, else the folder holding the
    /// func.yml): the process's working directory and where its build runs.
    /// </summary>
    public required string Directory { get; init; }

    /// <summary>False for a function created through the API whose code has not been uploaded yet (<c>code: none</c>): its calls answer 503.</summary>
    public bool HasCode { get; init; } = true;

    /// <summary>Stable id in the management API (<see cref="FunctionIds.Function"/>).</summary>
    public string Id => FunctionIds.Function(App, Name);

    /// <summary>The function's own config, before its app's was merged under it into <see cref="Config"/>.</summary>
    public IReadOnlyDictionary<string, string> OwnConfig { get; init; } = new Dictionary<string, string>();

    /// <summary>HTTP triggers: <c>/t/{app}{source}</c>.</summary>
    public IReadOnlyList<FunctionTrigger> Triggers { get; init; } = [];

    /// <summary>Fn's annotations: kept and shown by the API, never given to the process.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>Who may call it, as its file says; null inherits the app's.</summary>
    public CallAuth? DeclaredAuth { get; init; }

    /// <summary>Who may call it: <see cref="DeclaredAuth"/>, else its app's.</summary>
    public CallAuth Auth { get; init; } = CallAuth.Open;

    /// <summary>What of its file the agent ignored and why (an Fn func.yaml's Docker keys), shown by <c>/v1/functions</c>.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Its controller, binary, callback and parameters when it is one of Sonr's deployable functions (func.yml <c>sonr</c>); null otherwise.</summary>
    public SonrFunction? Sonr { get; init; }

    /// <summary>Full path of the func.yml this came from.</summary>
    public required string SourceFile { get; init; }

    // Every call looks its pool up by LaunchKey: each definition builds it once. A weak
    // table rather than a field, because a `with` copy would carry a field's stale key.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<FunctionDefinition, string> LaunchKeys = new();

    /// <summary>
    /// Everything that changes how a process is started, as one comparable string: a pool
    /// whose key changed retires its processes. Computed once per definition.
    /// </summary>
    public string LaunchKey => LaunchKeys.GetValue(this, static f => f.BuildLaunchKey());

    private string BuildLaunchKey() => string.Join('\u001f',
        [
            string.Join('\u001e', Command), Format.ToString(), Type.ToString(), MemoryMb.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Cpus ?? "", Directory, App, Route, Name, Pids?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            TmpSizeMb?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", Network.ToString(), WritableFolder ? "rw" : "ro",
            Sonr?.Binary ?? "",
            string.Join('\u001e', Config.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value)),
        ]);
}
