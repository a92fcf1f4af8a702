using System.Runtime.InteropServices;

namespace Fnagent.Processes;

/// <summary>
/// Functions run in the agent's session (see PosixSpawn), so they would also share the
/// agent's controlling terminal when it was started from one: a function opening
/// <c>/dev/tty</c> (ssh asking about a host key, sudo asking for a password) would be
/// stopped by SIGTTIN and wait for its deadline, where as a session of its own it got
/// ENXIO at once. The serving agent lets go of its terminal instead (TIOCNOTTY), and its
/// functions inherit having none. Only the agent's own tie goes: it stays in its
/// terminal's foreground group, so Ctrl-C and a hang-up still reach it.
/// </summary>
internal static partial class ControllingTerminal
{
    private const int ORdwr = 2;
    private const int ONoctty = 0x100;
    private const ulong Tiocnotty = 0x5422;

    public static void Release()
    {
        // A session leader letting go would hang up its whole session.
        if (getsid(0) == Environment.ProcessId)
        {
            return;
        }

        var fd = Libc.open("/dev/tty", ORdwr | ONoctty | Libc.OCloexec);
        if (fd < 0)
        {
            return; // no controlling terminal
        }

        _ = ioctl(fd, Tiocnotty, 0);
        _ = Libc.close(fd);
    }

    [LibraryImport("libc")]
    private static partial int getsid(int pid);

    [LibraryImport("libc")]
    private static partial int ioctl(int fd, ulong request, nint arg);
}
