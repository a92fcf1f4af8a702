using System.IO.Pipes;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Fnagent.Processes;

/// <summary>
/// Asks the kernel whether a pipe has something to read (or its writer hung up) without
/// reading: one poll(2) with a zero timeout. A stream-backed PipeReader only knows what
/// it already pulled in; this sees what the process wrote since.
/// </summary>
internal static partial class PipePoll
{
    private const short PollIn = 0x001;
    private const short PollHup = 0x010;

    public static bool IsReadable(Stream stream) => stream is PipeStream { SafePipeHandle: var handle } && IsReadable(handle);

    public static bool IsReadable(SafePipeHandle handle)
    {
        if (handle.IsInvalid || handle.IsClosed)
        {
            return false;
        }

        var fd = new PollFd { Fd = (int)handle.DangerousGetHandle(), Events = PollIn };
        return poll(ref fd, 1, 0) > 0 && (fd.Revents & (PollIn | PollHup)) != 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(ref PollFd fds, nuint count, int timeout);
}
