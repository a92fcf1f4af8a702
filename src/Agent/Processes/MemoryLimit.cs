using System.Collections.Concurrent;
using System.Globalization;

namespace Fnagent.Processes;

/// <summary>
/// A memory cgroup holding one function process, where the machine lets the agent make
/// one (cgroup v2 or v1 memory controller writable). The process is moved in right after
/// it starts; its children inherit the group. Where cgroups are not writable this is a
/// no-op and the limit is only advertised through FN_MEMORY.
/// </summary>
/// <remarks>
/// A group whose processes are all gone and that never saw an OOM kill is kept for the
/// next process with the same limit instead of being removed: a memory cgroup's mkdir
/// and rmdir cost a measurable part of the <c>default</c> format's calls per second
/// (docs/performance.md); a
/// reused group costs one write of cgroup.procs and two reads on release. Names are
/// unique per agent (<see cref="AgentInstance.Name"/>, sequence), never a function's pid, since a
/// kept group outlives its process. Thread-safe.
/// </remarks>
internal sealed class MemoryLimit
{
    private const string V2Root = "/sys/fs/cgroup";
    private const string V1Root = "/sys/fs/cgroup/memory";

    private const int KeptPerLimit = 64;

    private static readonly bool V2 = File.Exists(Path.Combine(V2Root, "cgroup.controllers"));
    private static readonly ConcurrentDictionary<long, ConcurrentQueue<string>> Kept = new();
    private static readonly ConcurrentDictionary<string, Task> Removing = new();
    private static int s_sequence;

    static MemoryLimit()
    {
        // Kept groups go with the agent, however it exits; those of an agent that died
        // (named after it, see AgentInstance) are emptied and removed by the next one (RemoveAbandoned).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveKept();
    }

    private readonly string _dir;
    private readonly bool _v2;
    private readonly long _bytes;
    private readonly bool _holdsAll;
    private int _released;

    private MemoryLimit(string dir, bool v2, long bytes, bool holdsAll)
    {
        _dir = dir;
        _v2 = v2;
        _bytes = bytes;
        _holdsAll = holdsAll;
    }

    /// <summary>
    /// Moves <paramref name="pid"/> into a group limited to <paramref name="bytes"/>, or
    /// null where groups cannot be made. A process that is already gone leaves the group
    /// empty (and reusable); its limit never applied.
    /// </summary>
    public static MemoryLimit? TryApply(int pid, long bytes)
    {
        var pidText = pid.ToString(CultureInfo.InvariantCulture);
        while (Kept.TryGetValue(bytes, out var kept) && kept.TryDequeue(out var keptDir))
        {
            try
            {
                return new MemoryLimit(keptDir, V2, bytes, MoveIn(keptDir, pidText));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                TryRemove(keptDir);
            }
        }

        var v2 = V2;
        var root = v2 ? V2Root : V1Root;
        var name = string.Create(CultureInfo.InvariantCulture, $"{AgentInstance.Name}-{Interlocked.Increment(ref s_sequence)}");
        var dir = Path.Combine(root, "fnagent", name);
        try
        {
            Directory.CreateDirectory(dir);
            KernelFile.Write(Path.Combine(dir, v2 ? "memory.max" : "memory.limit_in_bytes"), bytes.ToString(CultureInfo.InvariantCulture));
            if (v2)
            {
                TryWrite(Path.Combine(dir, "memory.swap.max"), "0");
            }
            else
            {
                TryWrite(Path.Combine(dir, "memory.memsw.limit_in_bytes"), bytes.ToString(CultureInfo.InvariantCulture));
            }

            return new MemoryLimit(dir, v2, bytes, MoveIn(dir, pidText));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryRemove(dir);
            return null;
        }
    }

    /// <summary>
    /// Moves the process into the group: true when the group then holds everything it
    /// started, false when that is not known: the process was gone before the move, or it
    /// already had a child (started before the move, so outside the group; it may leave
    /// its process group and outlive the call unseen). What a child started before the
    /// move and then exited may have started is beyond this check.
    /// </summary>
    private static bool MoveIn(string dir, string pidText)
    {
        try
        {
            KernelFile.Write(Path.Combine(dir, "cgroup.procs"), pidText);
        }
        catch (IOException e) when (e.HResult == Libc.ESrch)
        {
            return false;
        }

        try
        {
            return Directory.EnumerateDirectories($"/proc/{pidText}/task").All(task => KernelFile.Read(Path.Combine(task, "children")).Length == 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>True when the kernel killed a process of this group for going over the limit.</summary>
    public bool WasExceeded()
    {
        try
        {
            var file = Path.Combine(_dir, _v2 ? "memory.events" : "memory.oom_control");
            foreach (var line in KernelFile.Read(file).Split('\n'))
            {
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal) && line != "oom_kill 0")
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }

    /// <summary>
    /// Keeps the group for reuse when it is empty and clean, else removes it; what is left in
    /// it is killed first. Call once its process has exited. True when nothing the process
    /// started lived on, not even a child that left its process group: the group held
    /// everything and held nothing at the exit.
    /// </summary>
    public bool Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return false;
        }

        if (!IsEmpty())
        {
            // Left its process group (setsid, a daemon's double fork) but not its cgroup: it
            // goes with the process, as it would with a container.
            var dir = _dir;
            Removing[dir] = KillAllThenRemoveAsync(dir).ContinueWith(_ => Removing.TryRemove(dir, out Task? _), TaskScheduler.Default);
            return false;
        }

        var kept = Kept.GetOrAdd(_bytes, static _ => new ConcurrentQueue<string>());
        if (kept.Count < KeptPerLimit && !WasExceeded())
        {
            kept.Enqueue(_dir);
        }
        else
        {
            TryRemove(_dir);
        }

        return _holdsAll;
    }

    /// <summary>
    /// Sends SIGKILL to every process in the group now, one round (a process forking
    /// meanwhile may add one; <see cref="Release"/> finishes the job). For the moment the
    /// main process exited while something it started still holds its pipes.
    /// </summary>
    public void KillMembers() => _ = KillRound(_dir);

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
            if (int.TryParse(line, CultureInfo.InvariantCulture, out var pid) && pid > 1)
            {
                _ = Libc.kill(pid, Libc.SigKill);
                left = true;
            }
        }

        return left;
    }

    /// <summary>Completes when every group being emptied (see <see cref="Release"/>) is removed, at most about 5 s: an agent exiting waits for it.</summary>
    public static Task RemovalsAsync() => Task.WhenAll(Removing.Values);

    /// <summary>Removes every kept group (agent shutdown).</summary>
    public static void RemoveKept()
    {
        foreach (var kept in Kept.Values)
        {
            while (kept.TryDequeue(out var dir))
            {
                TryRemove(dir);
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
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(Path.Combine(V2 ? V2Root : V1Root, "fnagent")))
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

        await Task.WhenAll(removals).ConfigureAwait(false);
        return removals.Count;
    }

    private bool IsEmpty()
    {
        try
        {
            return KernelFile.Read(Path.Combine(_dir, "cgroup.procs")).Trim().Length == 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void TryWrite(string file, string value)
    {
        try
        {
            KernelFile.Write(file, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Swap accounting is optional.
        }
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
