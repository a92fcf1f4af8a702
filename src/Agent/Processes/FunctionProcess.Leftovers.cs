using Microsoft.Win32.SafeHandles;

namespace Fnagent.Processes;

/// <summary>
/// What is left holding a function's pipes once its main process has exited: a child that
/// left the process group and its session (setsid, a daemon's double fork) with stdout or
/// stderr still open. The group kill at the exit misses it, and so does the memory cgroup
/// when the child was started before the process was moved in (the move is made off the
/// call's path) or where no cgroup can be made. Such a child kept the pipes open, so the
/// agent's reads never ended: a deadline passed by hours, a finished answer waited on the
/// child's stderr, and a crashed hot process answered 504 long after instead of 502 at once.
/// Past the deadline the whole tree goes (docs/protocols.md §2), and so does it at the exit.
/// </summary>
/// <remarks>
/// A sweep, run only when a pipe is still open after the exit (the normal case costs one
/// poll(2) of the two pipes on the reaper's thread):
/// 1. a moment (<see cref="GroupKillSettles"/>) for the group kill of the exit to land,
///    unless the deadline is what asked;
/// 2. every process of the memory cgroup, and every process holding one of the pipes
///    (<see cref="PipeHolders"/>), is killed, in rounds until the pipes hang up, at most
///    <see cref="ProcessSpec.OutputDrainAfterExit"/>;
/// 3. then the log pumps stop: what is left unread is dropped, so no wait on the logs
///    outlives that bound. (The runner abandons its own stdout read at the deadline.)
/// </remarks>
public sealed partial class FunctionProcess
{
    private static readonly TimeSpan GroupKillSettles = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan SweepRound = TimeSpan.FromMilliseconds(20);

    private SafePipeHandle? _stdoutPipe;
    private SafePipeHandle? _stderrPipe;
    private volatile bool _outputClosed;
    private int _sweeping;

    private void WatchPipes(SafePipeHandle stdout, SafePipeHandle stderr)
    {
        _stdoutPipe = stdout;
        _stderrPipe = stderr;
    }

    /// <summary>True once no process can write to stdout or stderr any more (or the agent closed its ends). Never blocks.</summary>
    private bool OutputClosed()
    {
        if (_outputClosed)
        {
            return true;
        }

        var closed = (_stderrPipe is not { } stderr || PipePoll.IsHungUp(stderr)) && (_stdoutPipe is not { } stdout || PipePoll.IsHungUp(stdout));
        _outputClosed = closed;
        return closed;
    }

    /// <summary>After the exit: starts the sweep (once) when something still holds the pipes.</summary>
    private void SweepLeftovers(bool deadline)
    {
        if (!OutputClosed() && Interlocked.Exchange(ref _sweeping, 1) == 0)
        {
            _ = Task.Run(() => SweepAsync(deadline));
        }
    }

    private async Task SweepAsync(bool deadline)
    {
        try
        {
            // Step 1: the group kill of the exit closes most pipes within a few ms.
            if (!deadline)
            {
                await Task.Delay(GroupKillSettles).ConfigureAwait(false);
            }

            // Step 2: the cgroup, then whoever holds the pipes, in rounds.
            var pipes = new[] { _stdoutPipe, _stderrPipe }.OfType<SafePipeHandle>().Select(PipeHolders.Identify).OfType<string>().ToArray();
            var limit = _group is { IsCompletedSuccessfully: true } move ? move.Result : null;
            var until = Environment.TickCount64 + (long)_spec.OutputDrainAfterExit.TotalMilliseconds;
            while (!OutputClosed() && Environment.TickCount64 < until)
            {
                limit?.KillMembers();
                PipeHolders.Kill(pipes);
                await Task.Delay(SweepRound).ConfigureAwait(false);
            }

            // Step 3: whatever could not be killed no longer holds up the logs.
            if (!OutputClosed())
            {
                _stderr?.Stop();
                _stdoutLog?.Stop();
            }
        }
        catch (Exception)
        {
            // Never fault an unobserved task: a failed sweep leaves the bounded waits of the runner.
            _stderr?.Stop();
            _stdoutLog?.Stop();
        }
    }
}
