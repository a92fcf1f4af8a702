using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Fnagent.Processes;

/// <summary>
/// The start of a sandboxed process, in two steps: bubblewrap writes the host pid of the
/// sandbox's pid 1 to <see cref="InfoFd"/> once it made it, then waits on
/// <see cref="BlockFd"/> with its mounts set up, before it starts the function. In between
/// the agent gives pid 1 its RLIMIT_NOFILE, which the function inherits: set on bubblewrap
/// after the spawn instead, it lost the race to bubblewrap's clone about one start in six.
/// </summary>
internal static unsafe partial class PosixSpawn
{
    /// <summary>The child's fd bubblewrap writes its JSON status to (<c>--info-fd</c>).</summary>
    public const int InfoFd = 3;

    /// <summary>The child's fd bubblewrap reads one byte from before it starts the function (<c>--block-fd</c>).</summary>
    public const int BlockFd = 4;

    private const int InfoTimeoutMs = 5000;

    // Reads the child pid, limits it, lets the sandbox go on. Closes both fds. A sandbox that
    // failed before its pid 1 existed closes the info pipe: it then exits, and the caller sees that.
    private static void Release(int pid, int info, int block, int files)
    {
        try
        {
            if (ReadInfo(info) is { } sandboxInit)
            {
                _ = LimitOpenFiles(sandboxInit, files);
            }

            byte go = 1;
            _ = Libc.write(block, &go, 1);
        }
        finally
        {
            _ = Libc.close(info);
            _ = Libc.close(block);
        }
    }

    // bubblewrap writes {"child-pid": N, ...} and closes the fd; at most 5 s, in case it hangs before.
    private static int? ReadInfo(int fd)
    {
        var text = new StringBuilder();
        var buffer = stackalloc byte[512];
        var until = Environment.TickCount64 + InfoTimeoutMs;
        while (Environment.TickCount64 < until)
        {
            var poll = new Libc.PollFd { Fd = fd, Events = Libc.PollIn };
            if (Libc.poll(ref poll, 1, (int)Math.Max(1, until - Environment.TickCount64)) <= 0)
            {
                continue;
            }

            var got = Libc.read(fd, buffer, 512);
            if (got < 0 && Marshal.GetLastPInvokeError() == Libc.EIntr)
            {
                continue;
            }

            if (got <= 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, (int)got));
        }

        // Read to its end: closed early, bubblewrap's next write of it kills it with SIGPIPE.
        return ChildPid().Match(text.ToString()) is { Success: true } match ? int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex("\"child-pid\": *([0-9]+)")]
    private static partial Regex ChildPid();
}
