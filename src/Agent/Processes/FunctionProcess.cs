using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace Fnagent.Processes;

/// <summary>
/// One running function process, in CliWrap's spirit: started synchronously so a launch
/// error throws at once; pid and start time recorded immediately; exit observed by the
/// agent's reaper thread (a pidfd in its epoll set, no polling); stderr (and stdout, when it is
/// a log) pumped line by line for its whole life; and a kill that reaches the whole
/// process group. When the main process exits, whatever it
/// left running in its group is killed too, as a container would be torn down.
/// </summary>
/// <remarks>
/// Thread-safety: <see cref="Kill"/> and <see cref="DisposeAsync"/> may be called from any
/// thread, any number of times. Reads of <see cref="StandardOutput"/> and writes of
/// <see cref="StandardInput"/> belong to one caller at a time.
/// </remarks>
public sealed partial class FunctionProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReapTimeout = TimeSpan.FromSeconds(5);

    private static readonly ConcurrentDictionary<int, FunctionProcess> Live = new();

    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ProcessSpec _spec;
    private readonly Task<ResourceGroup?> _group;
    private LinePump? _stderr;
    private LinePump? _stdoutLog;
    private int _disposed;

    private FunctionProcess(PosixSpawn.Child child, ProcessSpec spec, ResourceGroup? group, bool inside)
    {
        _spec = spec;
        Id = child.Pid;
        StartedAt = DateTimeOffset.UtcNow;
        StandardInput = PosixSpawn.Stream(child.StandardInput, System.IO.Pipes.PipeDirection.Out);
        StandardOutput = spec.StdoutIsLog ? Stream.Null : PosixSpawn.Stream(child.StandardOutput, System.IO.Pipes.PipeDirection.In);
        WatchPipes(child.StandardOutput, child.StandardError);
        // Started inside its groups (cgroup v1, see SpawnThreads), or moved in off the call's
        // path: a move of a process into a cgroup waits for an RCU grace period when moves are
        // rare (the kernel's cgroup_threadgroup_rwsem), which every sporadic cold call paid
        // before its answer (docs/performance.md). The process runs meanwhile.
        if (inside)
        {
            group!.Watch();
        }

        _group = group is null || inside ? Task.FromResult(group) : Task.Run(() =>
        {
            group.Add(child.Pid);
            group.Watch();
            return (ResourceGroup?)group;
        });
    }

    /// <summary>The pid; also the process group id of everything it starts.</summary>
    public int Id { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>The process's stdin. Dispose it to signal end of input.</summary>
    public Stream StandardInput { get; }

    /// <summary>The process's stdout.</summary>
    public Stream StandardOutput { get; }

    /// <summary>Completes with the exit code when the process has exited (128+N when killed by signal N).</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Completes when stderr reached its end (every line handed on).</summary>
    public Task StderrDrained { get; private set; } = Task.CompletedTask;

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>
    /// Waits (bounded) until what the process already wrote to its log (stderr, and stdout
    /// when that is a log too) has been handed on as lines.
    /// </summary>
    public async ValueTask LogCaughtUpAsync(TimeSpan limit)
    {
        if (_stderr is { } stderr)
        {
            await stderr.CatchUpAsync(limit).ConfigureAwait(false);
        }

        if (_stdoutLog is { } stdout)
        {
            await stdout.CatchUpAsync(limit).ConfigureAwait(false);
        }
    }

    /// <summary>True when stdout holds bytes nobody read yet, or its writer closed it. Never blocks.</summary>
    public bool HasUnreadOutput => PipePoll.IsReadable(StandardOutput);

    /// <summary>
    /// The limit the process was stopped by ("out of memory (limit 128 MB)", "process limit
    /// (pids 128)"), or null. Blocks no thread (it may be asked on an epoll thread): it waits,
    /// bounded, only for the move into the group, which has finished by the time a limit can
    /// stop it, but whose mover may not be back from its write yet.
    /// </summary>
    public async ValueTask<string?> ExceededLimitAsync() =>
        (await _group.ResultOrAsync(ReapTimeout, null).ConfigureAwait(false))?.ExceededLimit();

    /// <summary>The private directory given to the process, or null.</summary>
    public string? PrivateDirectory => _spec.PrivateDirectory;

    /// <summary>
    /// Starts the process. Throws <see cref="ProcessStartException"/> when it cannot be
    /// started; never returns a process that did not start.
    /// </summary>
    public static FunctionProcess Start(ProcessSpec spec, Action<string> onStderrLine)
    {
        var program = ExecutableLookup.Resolve(spec.Command[0], spec.WorkingDirectory, spec.Environment.GetValueOrDefault("PATH"));

        // The child leads a new process group (see PosixSpawn), with exactly
        // spec.Environment: nothing of the agent's environment (secrets included) reaches it.
        // It runs in the sandbox (see Sandbox), and a root agent's function as its user,
        // through setpriv (see FunctionUser).
        // In the sandbox, the open-files limit is set in bubblewrap's handshake, before the
        // function exists (see PosixSpawn.Handshake.cs); else at once after the spawn, on the
        // spawning thread: a function that forks within microseconds of its exec escapes it.
        var handshake = spec is { Sandbox: not null, OpenFiles: not null };
        var argv = Argv(handshake ? spec with { Sandbox = spec.Sandbox! with { Handshake = true } } : spec, program);
        var group = spec.Limits is { } limits ? ResourceGroup.Take(limits) : null;
        PosixSpawn.Child child;
        bool inside;
        try
        {
            child = SpawnThreads.Run(group, () =>
            {
                var child = PosixSpawn.Start(spec.Command[0], argv[0], argv, spec.Environment, spec.WorkingDirectory, spec.StdoutIsLog, handshake);
                if (!handshake && spec.OpenFiles is { } files)
                {
                    PosixSpawn.LimitOpenFiles(child.Pid, files);
                }

                return child;
            }, out inside);
        }
        catch
        {
            group?.Release();
            throw;
        }

        // On cgroup v2 the sandbox is moved into its groups before it starts the function:
        // both bubblewrap processes, so that nothing of the function runs outside them.
        if (handshake && !PosixSpawn.Release(child, spec.OpenFiles!.Value, group is null || inside ? null : init =>
            {
                group.Add(child.Pid);
                group.Add(init);
                inside = true;
            }))
        {
            ProcessGroup.Kill(child.Pid); // no pid 1 to limit: the sandbox failed, or hangs; its exit says so
        }

        var started = new FunctionProcess(child, spec, group, inside);
        Live[started.Id] = started;
        started._stderr = new LinePump(child.StandardError, onStderrLine);
        started.StderrDrained = started._stderr.Drained;
        if (spec.StdoutIsLog)
        {
            started._stdoutLog = new LinePump(child.StandardOutput, onStderrLine);
            started.StderrDrained = Task.WhenAll(started.StderrDrained, started._stdoutLog.Drained);
        }

        // Exit observed through a pidfd by the reaper, which also reaps the child: the
        // runtime reaps only the processes it started itself.
        Reaper.Watch(started.Id, started.OnExited);

        return started;
    }

    /// <summary>The argv that starts <paramref name="program"/> of <paramref name="spec"/>: in the sandbox, as the function user, or as is.</summary>
    internal static List<string> Argv(ProcessSpec spec, string program) => spec switch
    {
        { Sandbox: { } run } => run.Jail.Wrap(run, program, spec.Command.Skip(1)),
        { User: { } user } => user.Wrap(spec.WorkingDirectory, program, spec.Command.Skip(1)),
        _ => [program, .. spec.Command.Skip(1)],
    };

    /// <summary>Kills the process and everything in its process group, at once.</summary>
    public void Kill()
    {
        if (_exited.Task.IsCompleted)
        {
            // The reaper killed the group before it reaped the process; the group id may be
            // another group's now. (Nor is there a tree to walk: the tree walk reads every
            // /proc/<pid>/stat and task of the machine, and orphans are re-parented away.)
            // What still holds the pipes is found by them, at once: the deadline cuts everything.
            SweepLeftovers(deadline: true);
            return;
        }

        ProcessGroup.Kill(Id);

        try
        {
            // A child that moved to a group or session of its own escapes the group kill; the tree walk
            // catches it while its parent lives.
            using var process = Process.GetProcessById(Id);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// Last resort at agent exit: kills every function process still alive, so nothing
    /// outlives the agent whatever path led here.
    /// </summary>
    public static async Task KillAllAsync()
    {
        await Task.WhenAll(Live.Values.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
        await ResourceGroup.RemovalsAsync().WaitAsync(ReapTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        ResourceGroup.RemoveKept();
        PrivateDirectories.RemoveKept();
    }

    /// <summary>Asks the process group to stop (SIGTERM), for graceful retirement.</summary>
    public void Terminate()
    {
        if (!_exited.Task.IsCompleted)
        {
            ProcessGroup.Terminate(Id);
        }
    }

    /// <summary>Kills what is left, waits (bounded) for the exit to be observed, and gives back or removes the private directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Kill();
        Live.TryRemove(Id, out _);
        await ((Task)Exited.WaitAsync(ReapTimeout)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await StderrDrained.WaitAsync(ReapTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stderr?.Stop();
        _stdoutLog?.Stop();
        foreach (var stream in new[] { StandardInput, StandardOutput })
        {
            try
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
            }
        }

        // Nothing of the call may be left to touch a directory the next call gets: the group
        // is gone and, by its memory cgroup, no child that left the group lives on either.
        // Without a cgroup that cannot be known, and the directory is removed.
        var group = await _group.ResultOrAsync(ReapTimeout, null).ConfigureAwait(false);
        var nothingLeft = (group?.Release() ?? false) && HasExited && ProcessGroup.IsEmpty(Id);
        if (_spec.PrivateDirectory is { } dir)
        {
            if (_spec.PrivateDirectoryOwner is { } owner && nothingLeft)
            {
                PrivateDirectories.Return(owner, dir);
            }
            else
            {
                PrivateDirectories.Remove(dir);
            }
        }
    }

    // Called by the reaper, which has killed what was left in the group; what left the
    // group and still holds the pipes is swept (see FunctionProcess.Leftovers.cs).
    private void OnExited(int code)
    {
        _exited.TrySetResult(code);
        SweepLeftovers(deadline: false);
    }
}
