using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;

namespace Fnagent.Processes;

/// <summary>
/// Asks the kernel whether a pipe has something to read (or its writer hung up) without
/// reading: one poll(2) with a zero timeout. A stream-backed PipeReader only knows what
/// it already pulled in; this sees what the process wrote since.
/// </summary>
internal static class PipePoll
{
    public static bool IsReadable(Stream stream) => stream is PipeStream { SafePipeHandle: var handle } && IsReadable(handle);

    public static bool IsReadable(SafePipeHandle handle)
    {
        if (handle.IsInvalid || handle.IsClosed)
        {
            return false;
        }

        var fd = new Libc.PollFd { Fd = (int)handle.DangerousGetHandle(), Events = Libc.PollIn };
        return Libc.poll(ref fd, 1, 0) > 0 && (fd.Revents & (Libc.PollIn | Libc.PollHup)) != 0;
    }
}
