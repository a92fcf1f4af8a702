namespace Fnagent.Processes;

/// <summary>
/// A memory cgroup holding one function process, where the machine lets the agent make
/// one (cgroup v2 or v1 memory controller writable). The process is moved in right after
/// it starts; its children inherit the group. Where cgroups are not writable this is a
/// no-op and the limit is only advertised through FN_MEMORY.
/// </summary>
internal sealed class MemoryLimit : IDisposable
{
    private const string V2Root = "/sys/fs/cgroup";
    private const string V1Root = "/sys/fs/cgroup/memory";

    private readonly string _dir;
    private readonly bool _v2;

    private MemoryLimit(string dir, bool v2)
    {
        _dir = dir;
        _v2 = v2;
    }

    public static MemoryLimit? TryApply(int pid, long bytes)
    {
        var v2 = File.Exists(Path.Combine(V2Root, "cgroup.controllers"));
        var root = v2 ? V2Root : V1Root;
        var dir = Path.Combine(root, "fnagent", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, v2 ? "memory.max" : "memory.limit_in_bytes"), bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (v2)
            {
                TryWrite(Path.Combine(dir, "memory.swap.max"), "0");
            }
            else
            {
                TryWrite(Path.Combine(dir, "memory.memsw.limit_in_bytes"), bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            File.WriteAllText(Path.Combine(dir, "cgroup.procs"), pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return new MemoryLimit(dir, v2);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryRemove(dir);
            return null;
        }
    }

    /// <summary>True when the kernel killed a process of this group for going over the limit.</summary>
    public bool WasExceeded()
    {
        try
        {
            var file = Path.Combine(_dir, _v2 ? "memory.events" : "memory.oom_control");
            foreach (var line in File.ReadLines(file))
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

    public void Dispose() => TryRemove(_dir);

    private static void TryWrite(string file, string value)
    {
        try
        {
            File.WriteAllText(file, value);
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
