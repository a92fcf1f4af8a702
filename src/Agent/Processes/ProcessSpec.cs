namespace Fnagent.Processes;

/// <summary>
/// An immutable description of a process to start: the exact argv (never a joined
/// command string), the exact environment (nothing inherited), and the folder to run in.
/// </summary>
public sealed record ProcessSpec
{
    /// <summary>argv: the executable first, then its arguments, each passed as is.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The whole environment of the process. Nothing of the agent's own is added.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>The working directory; relative executables (<c>./run.sh</c>) resolve against it.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>
    /// A private directory made for this process alone (its TMPDIR and HOME, and where an
    /// http-stream function puts its socket); removed when the process is disposed, or
    /// given back to <see cref="PrivateDirectories"/> when <see cref="PrivateDirectoryOwner"/> is set.
    /// </summary>
    public string? PrivateDirectory { get; init; }

    /// <summary>The function whose <see cref="PrivateDirectories"/> the private directory came from and goes back to.</summary>
    public string? PrivateDirectoryOwner { get; init; }

    /// <summary>
    /// When true, stdout is a log like stderr (http-stream functions answer over a socket):
    /// it is pumped line by line to the same handler and <see cref="FunctionProcess.StandardOutput"/> is empty.
    /// </summary>
    public bool StdoutIsLog { get; init; }

    /// <summary>
    /// The user to run as (a root agent's functions), or null for the agent's own. The
    /// private directory is given to that user.
    /// </summary>
    public FunctionUser? User { get; init; }

    /// <summary>Memory, process and CPU limits applied where the machine allows it (<see cref="ResourceGroup"/>), or null for none.</summary>
    internal ResourceLimits? Limits { get; init; }

    /// <summary>Most files the process may hold open (RLIMIT_NOFILE), or null to inherit the agent's.</summary>
    public int? OpenFiles { get; init; }

    /// <summary>The sandbox to run in and what it holds, or null to run on the host as is.</summary>
    public SandboxedRun? Sandbox { get; init; }

    /// <summary>
    /// How long, once the main process has exited, what it left holding its stdout or stderr
    /// is hunted down before the agent stops reading the logs (see FunctionProcess).
    /// </summary>
    public TimeSpan OutputDrainAfterExit { get; init; } = TimeSpan.FromSeconds(1);
}
