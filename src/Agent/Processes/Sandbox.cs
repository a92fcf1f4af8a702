using System.Diagnostics;
using Fnagent.Functions;

namespace Fnagent.Processes;

/// <summary>
/// The sandbox every function process runs in where bubblewrap works (docs/operations.md,
/// "Sandbox"): new mount, PID, IPC and UTS namespaces (and network, for <c>network: none</c>);
/// a root of its own holding the system folders read-only (<see cref="SystemFolders"/>),
/// the operator's <c>Sandbox:ReadOnlyPaths</c>, the folder of the program's installation,
/// the function's folder (read-only unless its func.yml says <c>writable_folder: true</c>),
/// a fresh <c>/proc</c> and <c>/dev</c>, and a <c>/tmp</c> tmpfs of <c>tmp_size</c> that is its
/// HOME and TMPDIR. Nothing else of the host: no data folder, no other function, no other
/// process. bubblewrap sets no_new_privs; setpriv, inside, drops the user and every capability
/// (<see cref="FunctionUser"/>); <c>--die-with-parent</c> ends it with the agent
/// (<see cref="SpawnThreads"/>). Decided once, at start, by a probe that runs the sandbox.
/// Thread-safe: immutable.
/// </summary>
public sealed class Sandbox
{
    /// <summary>Seen read-only at their own paths: what programs and their libraries need.</summary>
    public static readonly IReadOnlyList<string> SystemFolders = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"];

    // What the agent reads from a function's folder as the operator's word (FunctionSnapshot).
    private static readonly string[] DefinitionFiles = [FunctionFileParser.FileName, FnFuncFileParser.FileName, AppDefinition.FileName];

    private static readonly string[] ProgramFolders = ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", "/sbin"];

    private readonly string[] _base;
    private readonly (string Path, bool Writable)[] _shared;
    private readonly FunctionUser? _user;
    private readonly bool _dropCapabilities;
    private readonly string[] _agentFolders;

    private Sandbox(SandboxMode mode, string? bwrap, string? whyNot, (string[] ReadOnly, string[] Writable) shared, FunctionUser? user, string[] agentFolders)
    {
        _agentFolders = agentFolders;
        Mode = mode;
        Bwrap = bwrap;
        WhyNot = whyNot;
        _shared = [.. shared.ReadOnly.Concat(Resolver()).Where(p => !Covered(p, SystemFolders)).Select(p => (p, false)), .. shared.Writable.Select(p => (p, true))];
        _user = user;
        // A root agent whose operator runs functions as root (RunAs=root): still no capabilities.
        _dropCapabilities = user is null && Environment.IsPrivilegedProcess;
        _base = bwrap is null ? [] : Base(bwrap);
    }

    /// <summary>The setting (<c>Sandbox:Mode</c>).</summary>
    public SandboxMode Mode { get; }

    /// <summary>True when functions run sandboxed.</summary>
    public bool Active => WhyNot is null && Mode != SandboxMode.Off;

    /// <summary>Full path of bwrap, or null when it was not found.</summary>
    public string? Bwrap { get; }

    /// <summary>Why the sandbox does not work here, or null when it does (or is off).</summary>
    public string? WhyNot { get; }

    /// <summary>
    /// Why a function cannot be served, or null: with <see cref="SandboxMode.Required"/> and a
    /// sandbox that does not work, every function says so instead of loading.
    /// </summary>
    public string? Problem => Mode == SandboxMode.Required && WhyNot is { } why
        ? $"the sandbox is required (Sandbox:Mode=Required) but cannot run here: {why}; this function is not loaded"
        : null;

    /// <summary>
    /// Finds bubblewrap and probes the sandbox once; never throws. <paramref name="agentFolders"/>
    /// (the functions and data folders) are never bound in as a program's installation.
    /// </summary>
    public static Sandbox Resolve(SandboxOptions options, FunctionUser? user, string[] agentFolders)
    {
        var shared = (Paths(options.ReadOnlyPaths), Paths(options.WritablePaths));
        if (options.Mode == SandboxMode.Off)
        {
            return new Sandbox(options.Mode, null, null, shared, user, agentFolders);
        }

        var bwrap = options.Bwrap.Contains('/') ? (File.Exists(options.Bwrap) ? options.Bwrap : null)
            : ProgramFolders.Select(folder => Path.Combine(folder, options.Bwrap)).FirstOrDefault(File.Exists);
        if (bwrap is null)
        {
            return new Sandbox(options.Mode, null, $"bubblewrap not found at '{options.Bwrap}' (Sandbox:Bwrap; apt-get install bubblewrap)", shared, user, agentFolders);
        }

        var sandbox = new Sandbox(options.Mode, bwrap, null, shared, user, agentFolders);
        return sandbox.Probe() is { } why ? new Sandbox(options.Mode, bwrap, why, shared, user, agentFolders) : sandbox;
    }

    /// <summary>
    /// The argv that runs <paramref name="program"/> with <paramref name="arguments"/> in the
    /// sandbox <paramref name="run"/> describes, as the function user when there is one
    /// (unless <paramref name="asUser"/> is false: the agent's own launcher, which starts the
    /// function through <see cref="FunctionUser.Setpriv"/> itself).
    /// </summary>
    public List<string> Wrap(SandboxedRun run, string program, IEnumerable<string> arguments, bool asUser = true)
    {
        var argv = new List<string>(_base.Length + 48);
        argv.AddRange(_base);
        if (run.NoNetwork)
        {
            argv.Add("--unshare-net");
        }

        if (run.DieWithAgent)
        {
            argv.Add("--die-with-parent");
        }

        if (run.Handshake)
        {
            argv.AddRange(["--info-fd", PosixSpawn.InfoFd.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--block-fd", PosixSpawn.BlockFd.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        // /tmp first: the operator's folders may lie below it. Then every bind, the shallowest
        // first, so that none hides another (a writable cache below a read-only install).
        argv.AddRange(["--size", run.TmpBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--perms", "1777", "--tmpfs", "/tmp"]);
        var binds = new List<(string Path, bool Writable)>(_shared);
        // The folder a program was installed in, unless that holds or lies in the agent's
        // folders: a function named bin would bind its app's every function.
        if (Installation(run.Program ?? program) is { } installation && !Covered(installation, [.. SystemFolders, .. _shared.Select(b => b.Path), run.Folder])
            && !_agentFolders.Any(agent => Covered(installation, [agent]) || Covered(agent, [installation])))
        {
            binds.Add((installation, false));
        }

        binds.Add((run.Folder, run.WritableFolder));
        binds.AddRange(run.Writable.Select(path => (path, true)));
        binds.AddRange(run.ReadOnly.Select(path => (path, false)));
        var bound = new List<string>(SystemFolders);
        var made = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, writable) in binds.OrderBy(b => b.Path.Count(c => c == '/')))
        {
            Bind(path, writable, made, argv, bound);
        }

        if (run.WritableFolder)
        {
            // Its own definition stays the operator's: a rewritten func.yml would be loaded.
            foreach (var file in DefinitionFiles)
            {
                var path = Path.Combine(run.Folder, file);
                argv.AddRange(["--ro-bind-try", path, path]);
            }
        }

        if (_dropCapabilities)
        {
            argv.AddRange(["--cap-drop", "ALL"]);
        }
        else if (!asUser && _user is not null)
        {
            // The agent's launcher (root, to make its socket in the agent's folder) keeps only
            // what setpriv needs to start the function as its user without capabilities, and
            // the right to signal it (kill -0: is it still there), in a PID namespace of its own.
            argv.AddRange(["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP", "--cap-add", "CAP_KILL"]);
        }

        argv.AddRange(["--chdir", run.WorkingDirectory, "--"]);
        if (_user is not null && asUser)
        {
            argv.AddRange(_user.Setpriv(dropCapabilities: true));
        }

        argv.Add(program);
        argv.AddRange(arguments);
        return argv;
    }

    private static string[] Paths(string? paths) =>
        (paths ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => Path.TrimEndingDirectorySeparator(Path.GetFullPath(p))).Where(Directory.Exists).ToArray();

    // What every sandbox has: namespaces, system folders, /proc, /dev.
    private static string[] Base(string bwrap)
    {
        var argv = new List<string> { bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-uts" };
        foreach (var folder in SystemFolders)
        {
            var info = new DirectoryInfo(folder);
            if (info.LinkTarget is { } target)
            {
                argv.AddRange(["--symlink", target, folder]); // /bin -> usr/bin on a merged-/usr system
            }
            else if (info.Exists)
            {
                argv.AddRange(["--ro-bind", folder, folder]);
            }
        }

        argv.AddRange(["--proc", "/proc", "--dev", "/dev"]);
        return [.. argv];
    }

    // /etc/resolv.conf may point into /run (systemd-resolved; Ubuntu's link is relative):
    // its folder comes along, or names do not resolve.
    private static IEnumerable<string> Resolver()
    {
        if (new FileInfo("/etc/resolv.conf").LinkTarget is { } target && Path.GetDirectoryName(Path.GetFullPath(target, "/etc")) is { } folder
            && Directory.Exists(folder))
        {
            yield return folder;
        }
    }

    // bwrap makes a mount point's missing parents mode 0700 and root's: the user could not
    // pass them. Each parent that exists in the sandbox only as an empty mount point's folder
    // (under its own root or /tmp, not inside a bound host folder) is made enterable first.
    private static void Parents(string path, HashSet<string> made, List<string> argv, List<string> bound)
    {
        var parents = new Stack<string>();
        for (var dir = Path.GetDirectoryName(path); dir is not null && dir is not "/" and not "/tmp" && !Covered(dir, bound); dir = Path.GetDirectoryName(dir))
        {
            parents.Push(dir);
        }

        foreach (var dir in parents)
        {
            if (made.Add(dir))
            {
                argv.AddRange(["--perms", "0755", "--dir", dir]);
            }
        }
    }

    private static void Bind(string path, bool writable, HashSet<string> made, List<string> argv, List<string> bound)
    {
        Parents(path, made, argv, bound);
        argv.AddRange([writable ? "--bind" : "--ro-bind", path, path]);
        bound.Add(path);
    }

    private static bool Covered(string path, IEnumerable<string> folders) =>
        folders.Any(f => path == f || path.StartsWith(f + "/", StringComparison.Ordinal));

    // The folder a program was installed in: <prefix> for <prefix>/bin/<name>, else its own folder.
    private static string? Installation(string program)
    {
        if (!Path.IsPathRooted(program) || Path.GetDirectoryName(program) is not { } dir || dir == "/")
        {
            return null;
        }

        return Path.GetFileName(dir) == "bin" && Path.GetDirectoryName(dir) is { } prefix && prefix != "/" ? prefix : dir;
    }

    // Null when a sandbox of every kind a function may get (no network included) runs here.
    private string? Probe()
    {
        var truePath = new[] { "/usr/bin/true", "/bin/true" }.FirstOrDefault(File.Exists) ?? "/usr/bin/true";
        var run = new SandboxedRun { Jail = this, Folder = "/usr", WorkingDirectory = "/", TmpBytes = 1 << 20, NoNetwork = true, DieWithAgent = false };
        var argv = Wrap(run, truePath, []);
        var info = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in argv.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(5000))
            {
                process.Kill(entireProcessTree: true);
                return "bubblewrap did not finish its probe within 5 s";
            }

            return process.ExitCode == 0 ? null : $"bubblewrap's probe failed (exit {process.ExitCode}): {stderr.Result.Trim()}";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"bubblewrap cannot start: {e.Message}";
        }
    }
}

/// <summary>What one sandboxed process gets besides what every sandbox has (<see cref="Sandbox.Wrap"/>).</summary>
public sealed record SandboxedRun
{
    /// <summary>The sandbox of the agent (<see cref="AgentOptions.Jail"/>), active.</summary>
    public required Sandbox Jail { get; init; }

    /// <summary>The function's folder, bound at its own path.</summary>
    public required string Folder { get; init; }

    /// <summary>True to bind <see cref="Folder"/> writable.</summary>
    public bool WritableFolder { get; init; }

    /// <summary>Where the process starts: <see cref="Folder"/>, or a folder of <see cref="Writable"/>.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>Size of its <c>/tmp</c>, in bytes.</summary>
    public required long TmpBytes { get; init; }

    /// <summary>True for an empty network namespace (<c>network: none</c>).</summary>
    public bool NoNetwork { get; init; }

    /// <summary>Host paths (folders, sockets) bound writable at their own paths: an http-stream socket's folder, a Direktiv instance's.</summary>
    public IReadOnlyList<string> Writable { get; init; } = [];

    /// <summary>Host files bound read-only at their own paths: a Sonr function's binary (docs/protocols.md §9).</summary>
    public IReadOnlyList<string> ReadOnly { get; init; } = [];

    /// <summary>True when started from a <see cref="SpawnThreads"/> thread, whose exit is the agent's.</summary>
    public bool DieWithAgent { get; init; } = true;

    /// <summary>True when started by <see cref="PosixSpawn"/> with its handshake's fds (see PosixSpawn.Handshake.cs).</summary>
    public bool Handshake { get; init; }

    /// <summary>The function's program, when the sandbox starts another first (Direktiv's launcher): its installation is bound in.</summary>
    public string? Program { get; init; }
}
