using Fnagent.Functions;

namespace Fnagent.Processes;

/// <summary>
/// Starts a process of a function, hot or cold, the one way: an empty private directory,
/// the exact environment of docs/protocols.md §1 (plus what the caller adds for its
/// format), the function's folder, its limits, the sandbox, and the user functions run as.
/// </summary>
public static class FunctionLaunch
{
    /// <summary>
    /// Throws <see cref="ProcessStartException"/> when the process cannot start, leaving no
    /// private directory behind. <paramref name="addEnvironment"/> gets the environment and
    /// the private directory before the start; <paramref name="additions"/>, the call's own words,
    /// environment and files, come after everything else.
    /// </summary>
    public static FunctionProcess Start(FunctionDefinition function, AgentOptions options, bool stdoutIsLog,
        Action<Dictionary<string, string>, string>? addEnvironment, Action<string> onOutputLine, LaunchAdditions? additions = null)
    {
        var owner = $"{function.App}/{function.Name}";
        var user = options.User;
        var privateDirectory = PrivateDirectories.Take(owner, user);
        try
        {
            // In the sandbox, HOME and TMPDIR are its /tmp; the private directory stays the
            // agent's (it spools output there), seen inside only where a socket goes (http-stream).
            var sandbox = Sandboxed(function, options, function.Directory,
                FunctionFormats.Of(function.Format).Transport == FormatTransport.UnixSocket ? [privateDirectory] : []);
            if (sandbox is not null && additions is not null)
            {
                sandbox = sandbox with { ReadOnly = additions.ReadOnlyFiles };
            }

            var env = Environment(function, options.FunctionPath, sandbox is null ? privateDirectory : SandboxHome);
            addEnvironment?.Invoke(env, privateDirectory);
            foreach (var (key, value) in additions?.Environment ?? new Dictionary<string, string>())
            {
                env[key] = value;
            }

            return FunctionProcess.Start(
                new ProcessSpec
                {
                    Command = additions is null ? function.Command : [.. function.Command, .. additions.Arguments],
                    Environment = env,
                    WorkingDirectory = function.Directory,
                    PrivateDirectory = privateDirectory,
                    PrivateDirectoryOwner = owner,
                    Limits = LimitsOf(function, options),
                    OpenFiles = options.Limits.OpenFiles,
                    Sandbox = sandbox,
                    User = user,
                    StdoutIsLog = stdoutIsLog,
                    OutputDrainAfterExit = options.Limits.OutputDrainAfterExit,
                },
                onOutputLine);
        }
        catch
        {
            PrivateDirectories.Remove(privateDirectory);
            throw;
        }
    }

    /// <summary>HOME and TMPDIR of a sandboxed function: its own tmpfs.</summary>
    public const string SandboxHome = "/tmp";

    /// <summary>The memory, process and CPU limits of <paramref name="function"/>'s processes.</summary>
    internal static ResourceLimits LimitsOf(FunctionDefinition function, AgentOptions options) =>
        new((long)function.MemoryMb << 20, function.Pids ?? options.Limits.Pids, function.CpuCount);

    /// <summary>
    /// The sandbox of a process of <paramref name="function"/> starting in
    /// <paramref name="workingDirectory"/> with <paramref name="writable"/> bound in, or null
    /// when functions run unsandboxed here.
    /// </summary>
    public static SandboxedRun? Sandboxed(FunctionDefinition function, AgentOptions options, string workingDirectory, IReadOnlyList<string> writable) =>
        options.Jail is { Active: true } jail
            ? new SandboxedRun
            {
                Jail = jail,
                Folder = function.Directory,
                WritableFolder = function.WritableFolder,
                WorkingDirectory = workingDirectory,
                TmpBytes = (long)(function.TmpSizeMb ?? options.Limits.TmpSizeMb) << 20,
                NoNetwork = function.Network == FunctionNetwork.None,
                Writable = writable,
            }
            : null;

    /// <summary>
    /// What every process of <paramref name="function"/> gets at start, hot or cold
    /// (docs/protocols.md §1). Built from nothing: the agent's own environment never leaks
    /// into it.
    /// </summary>
    public static Dictionary<string, string> Environment(FunctionDefinition function, string path, string privateDirectory)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = path,
            ["HOME"] = privateDirectory,
            ["LANG"] = "C.UTF-8",
            ["TMPDIR"] = privateDirectory,
        };

        // Config may override the base (a function may want its own PATH), but not the
        // FN_* variables below: those are the protocol.
        foreach (var (key, value) in function.Config)
        {
            env[key] = value;
        }

        env["FN_APP_NAME"] = function.App;
        env["FN_PATH"] = function.Route;
        env["FN_NAME"] = function.Name;
        env["FN_FORMAT"] = FunctionFormats.Of(function.Format).Name;
        env["FN_TYPE"] = function.Type == FunctionType.Async ? "async" : "sync";
        env["FN_MEMORY"] = function.MemoryMb.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (function.Cpus is { } cpus)
        {
            env["FN_CPUS"] = cpus;
        }

        return env;
    }
}
