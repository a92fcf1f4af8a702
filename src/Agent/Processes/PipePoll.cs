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

    public static bool IsReadable(SafePipeHandle handle) => Poll(handle) is > 0 and var events && (events & (Libc.PollIn | Libc.PollHup)) != 0;

    /// <summary>True when every writer of the pipe has closed it (or the agent closed its own end): no byte can come any more.</summary>
    public static bool IsHungUp(SafePipeHandle handle) => Poll(handle) is var events && (events < 0 || (events & Libc.PollHup) != 0);

    // The poll's revents, or -1 when the handle is closed.
    private static int Poll(SafePipeHandle handle)
    {
        // Held while polling: a handle closed meanwhile by another thread would free its fd
        // number for the next pipe or socket opened, and the poll would ask about that one.
        var held = false;
        try
        {
            handle.DangerousAddRef(ref held);
            var fd = new Libc.PollFd { Fd = (int)handle.DangerousGetHandle(), Events = Libc.PollIn };
            return Libc.poll(ref fd, 1, 0) > 0 ? fd.Revents : 0;
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
        finally
        {
            if (held)
            {
                handle.DangerousRelease();
            }
        }
    }
}
