using System.Globalization;

namespace Fnagent.Processes;

/// <summary>How a process gets into its groups: started inside (cgroup v1), or moved in after its start.</summary>
internal sealed partial class ResourceGroup
{
    /// <summary>
    /// Moves the calling thread into the group (cgroup v1 only: see <see cref="PlacesThreads"/>),
    /// so that what it spawns starts inside. One write of "0" per hierarchy: a single thread's
    /// move skips the kernel's cgroup_threadgroup_rwsem, whose RCU grace period made each move
    /// of a whole process cost milliseconds (docs/performance.md).
    /// </summary>
    public bool EnterThread()
    {
        if (V2)
        {
            return false;
        }

        try
        {
            foreach (var dir in _dirs)
            {
                KernelFile.Write(Path.Combine(dir, "tasks"), "0");
            }

            _holdsAll = true;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The tasks files of the calling thread's own groups in the hierarchies a group may use, to go back to after a spawn.</summary>
    public static string[] ThreadHome()
    {
        if (V2)
        {
            return [];
        }

        var home = new List<string>(3);
        foreach (var line in File.ReadAllLines("/proc/thread-self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[1].Split(',').FirstOrDefault(c => c is "memory" or "pids" or "cpu") is { } controller)
            {
                home.Add(Path.Combine(V2Root, controller) + parts[2].TrimEnd('/') + "/tasks");
            }
        }

        return [.. home];
    }

    /// <summary>
    /// Moves <paramref name="pid"/> in after its start, where it could not start inside. A
    /// process that is already gone leaves the group empty (and reusable).
    /// </summary>
    public void Add(int pid)
    {
        var pidText = pid.ToString(CultureInfo.InvariantCulture);
        try
        {
            foreach (var dir in _dirs)
            {
                KernelFile.Write(Path.Combine(dir, "cgroup.procs"), pidText);
            }

            // True when the group then holds everything it started: it had no child yet (one
            // started before the move is outside the group, and may outlive the call unseen).
            _holdsAll = Directory.EnumerateDirectories($"/proc/{pidText}/task").All(task => KernelFile.Read(Path.Combine(task, "children")).Length == 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone before the move (ESRCH), or gone while its tasks were read: its limits never applied.
        }
    }
}
