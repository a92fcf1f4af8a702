using System.Runtime.InteropServices;

namespace Fnagent.Processes;

/// <summary>The libc calls and constants that more than one of the agent's own native calls share.</summary>
internal static unsafe partial class Libc
{
    public const int ESrch = 3;
    public const int EIntr = 4;
    public const int OCloexec = 0x80000;
    public const short PollIn = 0x001;
    public const short PollHup = 0x010;
    public const int SigKill = 9;

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc")]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(ref PollFd fds, nuint count, int timeout);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
