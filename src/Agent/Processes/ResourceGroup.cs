using System.Collections.Concurrent;
using System.Globalization;

namespace Fnagent.Processes;

/// <summary>The limits of one function process's cgroups: each one null where not set.</summary>
internal readonly record struct ResourceLimits(long? MemoryBytes, int? Pids, double? Cpus);

/// <summary>
/// The cgroups holding one function process and everything it starts, where the machine lets
/// the agent make them (cgroup v2, or the v1 controllers writable): memory (memory.max,
/// memory.limit_in_bytes), processes (pids.max) and CPU (cpu.max, cpu.cfs_quota_us over a
/// 100 ms period). On cgroup v1 the process starts inside its groups: the spawning thread
/// enters them for the spawn (<see cref="SpawnThreads"/>), so a fork bomb has no moment
/// outside its pids limit. On v2, where threads of one process cannot be in different
/// groups, the process is moved in right after it starts. Where cgroups are not writable
/// this is a no-op and the limits are only advertised (FN_MEMORY, FN_CPUS).
/// </summary>
/// <remarks>
/// A group whose processes are all gone and that never hit a limit is kept for the next
/// process with the same limits instead of being removed: a cgroup's mkdir and rmdir cost a
/// measurable part of the <c>default</c> format's calls per second (docs/performance.md).
/// Names are unique per agent (<see cref="AgentInstance.Name"/>, sequence), never a
/// function's pid, since a kept group outlives its process. A group that hits its pids limit
/// is emptied at once (<see cref="ProcessLimitWatch"/>): a fork bomb ends, its call fails
/// with a 502 naming the limit, and nothing of it is left. Thread-safe.
/// </remarks>
internal sealed partial class ResourceGroup
{
    private const string V2Root = "/sys/fs/cgroup";
    private const int KeptPerLimit = 64;
    private const long CpuPeriodMicros = 100_000;

    private static readonly bool V2 = File.Exists(Path.Combine(V2Root, "cgroup.controllers"));
    private static readonly ConcurrentDictionary<ResourceLimits, ConcurrentQueue<ResourceGroup>> Kept = new();
    private static int s_sequence;

    static ResourceGroup()
    {
        // Kept groups go with the agent, however it exits; those of an agent that died
        // (named after it, see AgentInstance) are emptied and removed by the next one (RemoveAbandoned).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveKept();
        if (V2)
        {
            // Children of the fnagent group get these controllers only when its parent hands
            // them down. Where cgroups are not the agent's to make, groups are simply not made.
            try
            {
                foreach (var dir in new[] { V2Root, Directory.CreateDirectory(Path.Combine(V2Root, "fnagent")).FullName })
                {
                    TryWrite(Path.Combine(dir, "cgroup.subtree_control"), "+memory +pids +cpu");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private readonly ResourceLimits _limits;
    private readonly string[] _dirs;
    private readonly string? _memoryDir;
    private readonly string? _pidsDir;
    private bool _holdsAll;
    private int _released;
    private volatile bool _pidsHit;

    private ResourceGroup(ResourceLimits limits, string[] dirs, string? memoryDir, string? pidsDir)
    {
        _limits = limits;
        _dirs = dirs;
        _memoryDir = memoryDir;
        _pidsDir = pidsDir;
    }

    /// <summary>
    /// A group with <paramref name="limits"/>, kept or new, or null where groups cannot be
    /// made (no memory group; a controller other than memory that cannot be had is left out).
    /// </summary>
    public static ResourceGroup? Take(ResourceLimits limits)
    {
        if (Kept.TryGetValue(limits, out var kept) && kept.TryDequeue(out var group))
        {
            group._released = 0;
            group._holdsAll = false;
            return group;
        }

        var name = string.Create(CultureInfo.InvariantCulture, $"{AgentInstance.Name}-{Interlocked.Increment(ref s_sequence)}");
        var dirs = new List<string>(3);
        string? memoryDir = null, pidsDir = null;
        try
        {
            if (limits.MemoryBytes is { } bytes)
            {
                memoryDir = Make("memory", name, dirs);
                var text = bytes.ToString(CultureInfo.InvariantCulture);
                KernelFile.Write(Path.Combine(memoryDir, V2 ? "memory.max" : "memory.limit_in_bytes"), text);
                TryWrite(Path.Combine(memoryDir, V2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes"), V2 ? "0" : text);
            }

            if (limits.Pids is { } pids)
            {
                pidsDir = Optional("pids", name, dirs, dir => KernelFile.Write(Path.Combine(dir, "pids.max"), pids.ToString(CultureInfo.InvariantCulture)));
            }

            if (limits.Cpus is { } cpus)
            {
                var quota = Math.Max(1000, (long)Math.Round(cpus * CpuPeriodMicros)).ToString(CultureInfo.InvariantCulture);
                Optional("cpu", name, dirs, dir =>
                {
                    if (V2)
                    {
                        KernelFile.Write(Path.Combine(dir, "cpu.max"), $"{quota} {CpuPeriodMicros}");
                    }
                    else
                    {
                        KernelFile.Write(Path.Combine(dir, "cpu.cfs_period_us"), CpuPeriodMicros.ToString(CultureInfo.InvariantCulture));
                        KernelFile.Write(Path.Combine(dir, "cpu.cfs_quota_us"), quota);
                    }
                });
            }

            return dirs.Count == 0 ? null : new ResourceGroup(limits, [.. dirs], memoryDir, pidsDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            dirs.ForEach(TryRemove);
            return null;
        }
    }

    /// <summary>Starts watching the pids limit, once the process is in (see <see cref="ProcessLimitWatch"/>).</summary>
    public void Watch()
    {
        if (_pidsDir is not null)
        {
            ProcessLimitWatch.Add(this);
        }
    }

    /// <summary>
    /// Which limit the kernel enforced on this group, as a call's error names it ("out of
    /// memory (limit 128 MB)", "process limit (pids 128)"), or null when none was hit.
    /// </summary>
    public string? ExceededLimit()
    {
        if (OomKilled())
        {
            return $"out of memory (limit {_limits.MemoryBytes >> 20} MB)";
        }

        return _pidsHit || ForkRefused() ? $"process limit (pids {_limits.Pids})" : null;
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

        ProcessLimitWatch.Remove(this);
        if (!IsEmpty())
        {
            // Left its process group (setsid, a daemon's double fork) but not its cgroup: it
            // goes with the process, as it would with a container.
            EmptyThenRemove();
            return false;
        }

        var kept = Kept.GetOrAdd(_limits, static _ => new ConcurrentQueue<ResourceGroup>());
        if (kept.Count < KeptPerLimit && ExceededLimit() is null)
        {
            kept.Enqueue(this);
        }
        else
        {
            Remove();
        }

        return _holdsAll;
    }

    /// <summary>
    /// Sends SIGKILL to every process in the group now, one round (a process forking
    /// meanwhile may add one; <see cref="Release"/> finishes the job). For the moment the
    /// main process exited while something it started still holds its pipes.
    /// </summary>
    public void KillMembers() => _ = KillRound(_dirs[0]);

    // The pids limit was hit: what is in the group is killed (ProcessLimitWatch).
    private void OnPidsLimit()
    {
        _pidsHit = true;
        _ = KillRound(_pidsDir!);
    }

    private bool OomKilled() => _memoryDir is { } dir && Counter(Path.Combine(dir, V2 ? "memory.events" : "memory.oom_control"), "oom_kill") > 0;

    // pids.events counts the forks refused at pids.max ("max N"), in v1 and v2 alike.
    private bool ForkRefused() => _pidsDir is { } dir && Counter(Path.Combine(dir, "pids.events"), "max") > 0;

    private static long Counter(string file, string name)
    {
        try
        {
            foreach (var line in KernelFile.Read(file).Split('\n'))
            {
                if (line.StartsWith(name + " ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(name.Length + 1), CultureInfo.InvariantCulture, out var n))
                {
                    return n;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return 0;
    }

    private static string Make(string controller, string name, List<string> dirs)
    {
        if (V2 && dirs.Count > 0)
        {
            return dirs[0]; // one group holds every controller
        }

        var dir = Path.Combine(V2 ? V2Root : Path.Combine(V2Root, controller), "fnagent", name);
        Directory.CreateDirectory(dir);
        dirs.Add(dir);
        return dir;
    }

    // A controller besides memory: left out where it cannot be had (not mounted, not handed down).
    private static string? Optional(string controller, string name, List<string> dirs, Action<string> limit)
    {
        var made = dirs.Count;
        try
        {
            var dir = Make(controller, name, dirs);
            limit(dir);
            return dir;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (dirs.Count > made)
            {
                TryRemove(dirs[^1]);
                dirs.RemoveAt(dirs.Count - 1);
            }

            return null;
        }
    }

    private bool IsEmpty()
    {
        try
        {
            var agent = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            return _dirs.All(dir => KernelFile.Read(Path.Combine(dir, "cgroup.procs")).Split('\n', StringSplitOptions.RemoveEmptyEntries).All(pid => pid == agent));
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
            // Optional: swap accounting, a controller handed down already.
        }
    }
}
