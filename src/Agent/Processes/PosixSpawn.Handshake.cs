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

    /// <summary>
    /// Lets a sandbox started with the handshake go on: reads the host pid of its pid 1, gives
    /// it <paramref name="files"/> as RLIMIT_NOFILE, runs <paramref name="beforeGo"/> with it
    /// (the cgroup v2 move: nothing of the function runs yet), then writes the go byte. Closes
    /// both fds. False when the sandbox gave no pid 1 (it failed, or hung past 5 s): the caller
    /// kills it rather than let the function run without its limits. Blocks until bubblewrap
    /// made its pid 1 (a millisecond or two): called off the spawn threads, which must not wait
    /// on a sandbox throttled by its function's CPU quota.
    /// </summary>
    public static bool Release(Child child, int files, Action<int>? beforeGo)
    {
        try
        {
            if (ReadInfo(child.Info) is not { } sandboxInit)
            {
                return false;
            }

            _ = LimitOpenFiles(sandboxInit, files);
            beforeGo?.Invoke(sandboxInit);
            byte go = 1;
            return Libc.write(child.Block, &go, 1) == 1;
        }
        finally
        {
            _ = Libc.close(child.Info);
            _ = Libc.close(child.Block);
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
