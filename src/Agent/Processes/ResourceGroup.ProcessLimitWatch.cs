using System.Collections.Concurrent;

namespace Fnagent.Processes;

internal sealed partial class ResourceGroup
{
    /// <summary>
    /// Watches the pids limit of every live group that has one, every 100 ms, and empties a
    /// group whose process tried to fork past it: a fork bomb otherwise spins at its ceiling
    /// until its call's deadline. Its call then fails at once with a 502 naming the limit
    /// (<see cref="ResourceGroup.ExceededLimit"/>), and the agent and every other function keep
    /// their CPU. Costs one read of pids.events per live group per tick, on a timer that runs
    /// only while groups are watched. Thread-safe.
    /// </summary>
    private static class ProcessLimitWatch
    {
        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
        private static readonly ConcurrentDictionary<ResourceGroup, byte> Watched = new();
        private static readonly Timer Ticker = new(_ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
        private static readonly Lock Running = new();
        private static bool s_running;

        public static void Add(ResourceGroup group)
        {
            Watched[group] = 0;
            lock (Running)
            {
                if (!s_running)
                {
                    s_running = true;
                    Ticker.Change(Interval, Interval);
                }
            }
        }

        public static void Remove(ResourceGroup group) => Watched.TryRemove(group, out _);

        private static void Tick()
        {
            lock (Running)
            {
                // Stopped only while nothing is watched: an Add takes the lock to start it again.
                if (Watched.IsEmpty)
                {
                    s_running = false;
                    Ticker.Change(Timeout.Infinite, Timeout.Infinite);
                    return;
                }
            }

            foreach (var group in Watched.Keys)
            {
                if (group.ForkRefused())
                {
                    Watched.TryRemove(group, out _);
                    group.OnPidsLimit();
                }
            }
        }
    }
}
