using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Fnagent.Processes;

/// <summary>
/// Finds the processes that hold a pipe of the agent's open, by the pipe's inode in
/// <c>/proc/*/fd</c>, and kills them. After a function's main process exited, the only
/// processes that can hold the write end of its stdout or stderr are ones it started (or
/// handed the pipe to), wherever they went: a child that left its process group and its
/// session (setsid) before its memory cgroup was made, or where no cgroup can be made,
/// is found all the same. Reads every process's fd table: milliseconds on a busy machine,
/// which is why it only runs when a pipe is still open after the exit. Thread-safe.
/// </summary>
internal static class PipeHolders
{
    /// <summary>The inode text of the pipe (<c>pipe:[N]</c>), or null when the handle is closed.</summary>
    public static string? Identify(SafePipeHandle pipe)
    {
        var held = false;
        try
        {
            pipe.DangerousAddRef(ref held);
            var fd = pipe.DangerousGetHandle().ToInt32().ToString(CultureInfo.InvariantCulture);
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget is { } target && target.StartsWith("pipe:[", StringComparison.Ordinal) ? target : null;
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
        finally
        {
            if (held)
            {
                pipe.DangerousRelease();
            }
        }
    }

    /// <summary>Sends SIGKILL to every process but the agent that holds one of <paramref name="pipes"/>; returns how many.</summary>
    public static int Kill(IReadOnlyCollection<string> pipes)
    {
        if (pipes.Count == 0)
        {
            return 0;
        }

        var killed = 0;
        var self = Environment.ProcessId;
        foreach (var dir in EnumerateSafely("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self || pid <= 1)
            {
                continue;
            }

            foreach (var fd in EnumerateSafely(Path.Combine(dir, "fd"), entries: true))
            {
                string? target;
                try
                {
                    target = new FileInfo(fd).LinkTarget;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }

                // A child of the agent itself is another function's process between its fork and
                // its exec (posix_spawn), holding a copy of every fd of the agent until the exec
                // closes them (close-on-exec): never a holder to kill.
                if (target is not null && target.StartsWith("pipe:[", StringComparison.Ordinal) && pipes.Contains(target) && ParentOf(pid) != self)
                {
                    _ = Libc.kill(pid, Libc.SigKill);
                    killed++;
                    break;
                }
            }
        }

        return killed;
    }

    // Field 4: the parent's pid.
    private static int ParentOf(int pid) => (int)(ProcStat.Field(pid, 4) ?? 0);

    private static IEnumerable<string> EnumerateSafely(string dir, bool entries = false)
    {
        try
        {
            // Materialized: a process that exits while its table is read ends that enumeration, not the sweep.
            return entries ? Directory.GetFileSystemEntries(dir) : Directory.GetDirectories(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
