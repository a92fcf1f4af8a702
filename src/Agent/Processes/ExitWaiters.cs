using System.Collections.Concurrent;

namespace Fnagent.Processes;

/// <summary>
/// Threads that each block in waitpid(2) for one child at a time and are then reused for
/// the next one, instead of a new thread per process: starting a thread per cold call
/// cost ~10% of the agent's CPU on <c>default</c>/<c>cat</c> (issue 7). Grows to the
/// number of processes alive at once; a thread idle for a minute ends. Thread-safe.
/// </summary>
internal static class ExitWaiters
{
    private static readonly TimeSpan IdleLifetime = TimeSpan.FromMinutes(1);
    private static readonly BlockingCollection<(int Pid, Action<int> OnExit)> Pending = new();

    // Waiter threads blocked in (or about to block in) Take with no child to wait for.
    private static int s_idle;

    /// <summary>Reaps <paramref name="pid"/> when it exits and hands its exit code (128+N for signal N) to <paramref name="onExit"/>.</summary>
    public static void Watch(int pid, Action<int> onExit)
    {
        Pending.Add((pid, onExit));
        if (Interlocked.Decrement(ref s_idle) >= 0)
        {
            return; // an idle waiter takes it
        }

        Interlocked.Increment(ref s_idle);
        new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = "fnagent exit waiter" }.UnsafeStart();
    }

    private static void Run()
    {
        while (true)
        {
            if (!Pending.TryTake(out var item, IdleLifetime))
            {
                // Idle too long: leave, unless a Watch counted on this thread meanwhile.
                if (Interlocked.Decrement(ref s_idle) >= 0)
                {
                    return;
                }

                Interlocked.Increment(ref s_idle);
                continue;
            }

            try
            {
                item.OnExit(PosixSpawn.WaitForExit(item.Pid));
            }
            catch
            {
                // A failing callback must not take the waiter down with it (it only
                // completes a task and signals a group).
            }

            Interlocked.Increment(ref s_idle);
        }
    }
}
