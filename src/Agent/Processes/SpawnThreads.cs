using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Fnagent.Processes;

/// <summary>
/// The threads every function process is started from: a few dedicated threads that live as
/// long as the agent. Two things need them:
/// 1. The sandbox's <c>--die-with-parent</c> (bubblewrap's PR_SET_PDEATHSIG) fires when the
///    *thread* that spawned the process exits. .NET retires idle pool threads, which would
///    kill healthy functions at random; these threads never exit, so it fires only with the agent.
/// 2. On cgroup v1 the thread enters the process's <see cref="ResourceGroup"/> for the spawn
///    and goes back after it, so the process starts inside its limits (no fork before a move).
/// A spawn is handed over and waited for (posix_spawn returns once the child has exec'd, a
/// millisecond or so; the sandbox's handshake is finished by the caller, see PosixSpawn.Release);
/// one thread per CPU, two to four, so spawns of several calls overlap. Only posix_spawn runs
/// inside a group: nothing that could make threads (a thread started on a v1 spawn thread
/// inside a group would stay there).
/// </summary>
internal static class SpawnThreads
{
    private static readonly BlockingCollection<Work> Queue = new();

    static SpawnThreads()
    {
        for (var i = 0; i < Math.Clamp(Environment.ProcessorCount, 2, 4); i++)
        {
            new Thread(Serve) { IsBackground = true, Name = "fnagent spawn" }.Start();
        }
    }

    /// <summary>
    /// Runs <paramref name="spawn"/> on a spawn thread, inside <paramref name="group"/> where
    /// the thread can enter it; <paramref name="inside"/> says whether it did (else the caller
    /// moves the process in). Exceptions of the spawn are rethrown here.
    /// </summary>
    public static T Run<T>(ResourceGroup? group, Func<T> spawn, out bool inside)
    {
        var work = new Work(group, () => spawn());
        Queue.Add(work);
        work.Done.Wait();
        work.Done.Dispose();
        work.Error?.Throw();
        inside = work.Inside;
        return (T)work.Result!;
    }

    private static void Serve()
    {
        string[] home;
        try
        {
            home = ResourceGroup.ThreadHome();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            home = [];
        }

        foreach (var work in Queue.GetConsumingEnumerable())
        {
            try
            {
                work.Inside = work.Group?.EnterThread() ?? false;
                work.Result = work.Spawn();
            }
            catch (Exception e)
            {
                work.Error = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                // Also after an entry that failed halfway (one hierarchy entered, not the next).
                if (work.Group is not null)
                {
                    Leave(home);
                }

                work.Done.Set();
            }
        }
    }

    // Back to the agent's own groups. Never fails as root in practice; should it, the thread
    // serves on all the same (exiting would kill what it started: see point 1), and a spawn
    // without a group of its own would start in this one.
    private static void Leave(string[] home)
    {
        foreach (var tasks in home)
        {
            try
            {
                KernelFile.Write(tasks, "0");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private sealed class Work(ResourceGroup? group, Func<object?> spawn)
    {
        public ResourceGroup? Group { get; } = group;

        public Func<object?> Spawn { get; } = spawn;

        public ManualResetEventSlim Done { get; } = new();

        public bool Inside { get; set; }

        public object? Result { get; set; }

        public ExceptionDispatchInfo? Error { get; set; }
    }
}
