using System.Collections.Concurrent;
using System.Globalization;

namespace Fnagent.Processes;

/// <summary>How groups are emptied and removed: at release, at shutdown, and those of a dead agent at start.</summary>
internal sealed partial class ResourceGroup
{
    private static readonly ConcurrentDictionary<string, Task> Removing = new();

    private static IEnumerable<string> Parents =>
        (V2 ? [V2Root] : new[] { "memory", "pids", "cpu" }.Select(c => Path.Combine(V2Root, c))).Select(root => Path.Combine(root, "fnagent"));

    /// <summary>Completes when every group being emptied (see <see cref="Release"/>) is removed, at most about 5 s: an agent exiting waits for it.</summary>
    public static Task RemovalsAsync() => Task.WhenAll(Removing.Values);

    /// <summary>Removes every kept group (agent shutdown).</summary>
    public static void RemoveKept()
    {
        foreach (var kept in Kept.Values)
        {
            while (kept.TryDequeue(out var group))
            {
                group.Remove();
            }
        }
    }

    /// <summary>
    /// Kills what is left in the groups of agents no longer alive (killed with SIGKILL, say:
    /// their function processes and children lived on) and removes the groups; a living
    /// agent's groups are never touched. Bounded: about 5 s. Returns how many groups were taken.
    /// </summary>
    public static async Task<int> RemoveAbandonedAsync()
    {
        var removals = new List<Task>();
        foreach (var parent in Parents)
        {
            try
            {
                foreach (var dir in Directory.EnumerateDirectories(parent))
                {
                    var name = Path.GetFileName(dir);
                    if (AgentInstance.OwnerOf(name) is { } owner)
                    {
                        if (!AgentInstance.IsAlive(owner))
                        {
                            removals.Add(KillAllThenRemoveAsync(dir));
                        }
                    }
                    else if (int.TryParse(name.Split('-')[0], CultureInfo.InvariantCulture, out var pid) && !Directory.Exists($"/proc/{pid}"))
                    {
                        TryRemove(dir); // an older agent's name (its pid alone): rmdir fails, harmlessly, on a group that still holds a process
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        await Task.WhenAll(removals).ConfigureAwait(false);
        return removals.Count;
    }

    private void Remove()
    {
        foreach (var dir in _dirs)
        {
            TryRemove(dir);
        }
    }

    private void EmptyThenRemove()
    {
        foreach (var dir in _dirs)
        {
            Removing[dir] = KillAllThenRemoveAsync(dir).ContinueWith(_ => Removing.TryRemove(dir, out Task? _), TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Kills every process in the group until none is left (a process that forks meanwhile adds
    /// one for the next round; a killed process leaves the group once it has died), then
    /// removes the group. The first round is made before this returns, so an agent exiting
    /// right after still kills them. Bounded: about 5 s.
    /// </summary>
    private static async Task KillAllThenRemoveAsync(string dir)
    {
        for (var round = 0; round < 100 && KillRound(dir); round++)
        {
            await Task.Delay(50).ConfigureAwait(false);
        }

        TryRemove(dir);
    }

    // One SIGKILL to each process in the group; false when none was left (or the group is gone).
    // Never the agent: while a spawn thread is inside for a spawn (cgroup v1, see SpawnThreads),
    // cgroup.procs lists the agent's pid too.
    private static bool KillRound(string dir)
    {
        string procs;
        try
        {
            procs = KernelFile.Read(Path.Combine(dir, "cgroup.procs"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        var left = false;
        foreach (var line in procs.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(line, CultureInfo.InvariantCulture, out var pid) && pid > 1 && pid != Environment.ProcessId)
            {
                _ = Libc.kill(pid, Libc.SigKill);
                left = true;
            }
        }

        return left;
    }

    private static void TryRemove(string dir)
    {
        try
        {
            // A cgroup is removed with rmdir alone (its files are not real files).
            Directory.Delete(dir, recursive: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
