namespace Fnagent;

/// <summary>
/// Every limit and setting of the agent, with its default. Bound from configuration
/// (<see cref="Hosting.AgentConfiguration"/>), in rising precedence: these defaults, an
/// appsettings.json beside the binary, one in the current folder, <c>FNAGENT_</c>-prefixed
/// environment variables (e.g. <c>FNAGENT_Limits__MaxRequestBodyBytes</c>), then the
/// command-line flags of <c>serve</c>. Checked at start by <see cref="Hosting.AgentOptionsValidator"/>.
/// </summary>
public sealed class AgentOptions
{
    /// <summary>Where the func.yml tree lives.</summary>
    public string FunctionsDirectory { get; set; } = "examples";

    /// <summary>Where call logs are written.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>PATH given to every function (functions never inherit the agent's environment).</summary>
    public string FunctionPath { get; set; } = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>
    /// Host names (comma-separated; <c>*</c> for any) accepted besides loopback ones in the
    /// <c>Host</c> and <c>Origin</c> of a request that arrived on a loopback address
    /// (see Http.LoopbackHostFilter). Empty by default: only localhost, 127.0.0.1 and [::1].
    /// </summary>
    public string? AllowedHosts { get; set; }

    /// <summary>
    /// The token the admin API (every path under <c>/v1/</c> and <c>/v2/</c>) asks for as
    /// <c>Authorization: Bearer</c>; at least 16 printable ASCII characters, no spaces. When
    /// not set, the token of <c>&lt;data&gt;/admin-token</c> is the one checked, and the admin
    /// API is open while the agent listens on loopback addresses only (see Http.AdminAuth).
    /// </summary>
    public string? AdminToken { get; set; }

    /// <summary>
    /// The user functions run as when the agent runs as root: a name or <c>uid[:gid]</c>;
    /// <c>root</c> or empty runs them as the agent's own user. Ignored when the agent is not
    /// root (it cannot change user then). See <see cref="Processes.FunctionUser"/>.
    /// </summary>
    public string? RunAs { get; set; } = "nobody";

    private Lazy<Processes.FunctionUser?>? _user;

    /// <summary><see cref="RunAs"/> resolved on first use; null when functions run as the agent's own user.</summary>
    internal Processes.FunctionUser? User => (_user ??= new Lazy<Processes.FunctionUser?>(() => Processes.FunctionUser.Resolve(RunAs))).Value;

    /// <summary>How functions are isolated (see <see cref="Processes.Sandbox"/>).</summary>
    public Processes.SandboxOptions Sandbox { get; set; } = new();

    private Lazy<Processes.Sandbox>? _jail;

    /// <summary><see cref="Sandbox"/> resolved (and bubblewrap probed) on first use.</summary>
    internal Processes.Sandbox Jail => (_jail ??= new Lazy<Processes.Sandbox>(() => Processes.Sandbox.Resolve(Sandbox, User,
        [Path.TrimEndingDirectorySeparator(Path.GetFullPath(FunctionsDirectory)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(DataDirectory))]))).Value;

    /// <summary>Where the agent listens: URLs separated by <c>;</c> (port 0 picks a free port).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>
    /// Where call records are kept: <c>Sqlite</c> (<c>&lt;data&gt;/fnagent.db</c>, kept across
    /// restarts) or <c>Memory</c> (the newest ones, lost at restart; to measure what the
    /// database costs). Logs are files under <c>&lt;data&gt;/logs</c> either way.
    /// </summary>
    public CallStoreKind CallStore { get; set; } = CallStoreKind.Sqlite;

    /// <summary>The agent's own log (not the functions' logs, which are per call).</summary>
    public AgentLogOptions Log { get; set; } = new();

    public LimitOptions Limits { get; set; } = new();

    /// <summary>Settings of Direktiv functions (docs/protocols.md §8).</summary>
    public Direktiv.DirektivOptions Direktiv { get; set; } = new();

    /// <summary>How Sonr functions' outputs reach their callbacks (docs/protocols.md §9).</summary>
    public Sonr.CallbackOptions Callbacks { get; set; } = new();
}

/// <summary>The agent's own log: how much of it, and where besides stdout.</summary>
public sealed class AgentLogOptions
{
    /// <summary>Least level written; <c>Debug</c> adds one line per call.</summary>
    public Serilog.Events.LogEventLevel Level { get; set; } = Serilog.Events.LogEventLevel.Information;

    /// <summary>A file the log is also appended to; none when empty.</summary>
    public string? File { get; set; }
}

/// <summary>The limits of docs/protocols.md §6 and §7, each with a default.</summary>
public sealed class LimitOptions
{
    /// <summary>Largest request body accepted (413 past it). Streamed formats never hold it whole.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1L << 30;

    /// <summary>Largest response a hot format may return (502 past it); the default format streams without a cap.</summary>
    public long MaxResponseBytes { get; set; } = 10L << 20;

    /// <summary>Per-call log size; past it one truncation line is kept.</summary>
    public long MaxLogBytesPerCall { get; set; } = 1L << 20;

    /// <summary>How many recent calls (records and logs) are kept.</summary>
    public int CallRetention { get; set; } = 100_000;

    /// <summary>How long a call's record and log are kept.</summary>
    public TimeSpan CallRetentionAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often retention runs, in the background.</summary>
    public TimeSpan CallRetentionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Finished calls whose records wait to be written; past it (a database far slower
    /// than the calls) records are dropped and counted, never the calls slowed.
    /// </summary>
    public int MaxUnwrittenRecords { get; set; } = 10_000;

    /// <summary>Largest request body of an async call, stored whole until it runs (413 past it).</summary>
    public long MaxAsyncBodyBytes { get; set; } = 1L << 20;

    /// <summary>How much of an async call's output is kept with its record; past it the rest is counted, not kept.</summary>
    public long MaxAsyncOutputBytes { get; set; } = 1L << 20;

    /// <summary>Async calls accepted and not yet started; past it a new one gets 503 + Retry-After.</summary>
    public int MaxQueuedAsyncCalls { get; set; } = 10_000;

    /// <summary>How long a call may wait for a free hot process, or a cold call for its place under max_concurrency, before a 503; null means the call's own timeout, zero a 503 at once.</summary>
    public TimeSpan? QueueWait { get; set; }

    /// <summary>How long an http-stream function may take to create its socket before a 504.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Once a hot function has written bytes outside an answer (between calls, after a
    /// complete response, or instead of one), each of its processes must stay quiet this
    /// long after every answer before it serves the next call; zero turns the hold-back off.
    /// </summary>
    public TimeSpan QuietAfterAnswer { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a function's build command may run.</summary>
    public TimeSpan BuildTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest code upload (<c>PUT /v2/fns/{id}/code</c>), as sent: gzip-compressed.</summary>
    public long MaxCodeArchiveBytes { get; set; } = 64L << 20;

    /// <summary>Most bytes a code upload may unpack to.</summary>
    public long MaxCodeBytes { get; set; } = 512L << 20;

    /// <summary>Most files and folders a code upload may hold.</summary>
    public int MaxCodeFiles { get; set; } = 10_000;

    /// <summary>The three limits above, as the unpacker takes them.</summary>
    public Fnagent.Management.CodeArchiveLimits CodeArchive => new(MaxCodeArchiveBytes, MaxCodeBytes, MaxCodeFiles);

    /// <summary>The limits the hot formats enforce: a response, and a json request read whole, both up to <see cref="MaxResponseBytes"/>.</summary>
    public Fnagent.Formats.FormatLimits ForFormats() => new()
    {
        MaxResponseSize = MaxResponseBytes,
        MaxRequestSize = MaxResponseBytes,
    };

    /// <summary>
    /// Once a function's main process has exited, how long whatever it left holding its
    /// stdout or stderr (a detached child) is killed in rounds before the agent stops
    /// reading its logs; zero stops reading at once.
    /// </summary>
    public TimeSpan OutputDrainAfterExit { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest blob of the content store (<c>POST /v1/blobs</c>, 413 past it); streamed, never held whole.</summary>
    public long MaxBlobBytes { get; set; } = 1L << 30;

    /// <summary>Processes a function may have at once (its func.yml <c>pids</c> overrides it); a fork past it fails, and the call with a 502.</summary>
    public int Pids { get; set; } = 256;

    /// <summary>Size in MB of a sandboxed function's <c>/tmp</c>, its HOME and TMPDIR (its func.yml <c>tmp_size</c> overrides it).</summary>
    public int TmpSizeMb { get; set; } = 64;

    /// <summary>Files a function process may hold open (RLIMIT_NOFILE, soft and hard).</summary>
    public int OpenFiles { get; set; } = 1024;

    /// <summary>How long in-flight calls may finish on shutdown before processes are killed; zero stops them at once.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Where call records are kept (<see cref="AgentOptions.CallStore"/>).</summary>
public enum CallStoreKind
{
    Sqlite,
    Memory,
}
