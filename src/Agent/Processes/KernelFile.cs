using System.Runtime.InteropServices;
using System.Text;

namespace Fnagent.Processes;

/// <summary>
/// Reads and writes of the kernel's small files (cgroup control files, /proc) with one
/// open, one read or write and one close. File.WriteAllText and File.ReadAllText add an
/// fstat, an flock, an fadvise and buffers to each, and a cold call does a few of these. Failures throw
/// <see cref="IOException"/>, as the File methods do, with the errno as its HResult.
/// </summary>
internal static unsafe partial class KernelFile
{
    private const int ORdonly = 0;
    private const int OWronly = 1;

    // Files read here (cgroup.procs of a group, memory.oom_control, memory.events, a task's children) are small.
    private const int MaxRead = 4096;

    public static void Write(string path, string value)
    {
        var fd = Open(path, OWronly);
        try
        {
            Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(value.Length)];
            var length = Encoding.UTF8.GetBytes(value, bytes);
            fixed (byte* p = bytes)
            {
                nint written;
                while ((written = Libc.write(fd, p, length)) < 0 && Marshal.GetLastPInvokeError() == Libc.EIntr)
                {
                }

                if (written != length)
                {
                    throw Failure("write", path);
                }
            }
        }
        finally
        {
            _ = Libc.close(fd);
        }
    }

    /// <summary>The file's text (at most its first 4 KiB).</summary>
    public static string Read(string path)
    {
        var fd = Open(path, ORdonly);
        try
        {
            var buffer = stackalloc byte[MaxRead];
            var length = 0;
            while (length < MaxRead)
            {
                var got = Libc.read(fd, buffer + length, MaxRead - length);
                if (got < 0 && Marshal.GetLastPInvokeError() == Libc.EIntr)
                {
                    continue;
                }

                if (got < 0)
                {
                    throw Failure("read", path);
                }

                if (got == 0)
                {
                    break;
                }

                length += (int)got;
            }

            return Encoding.UTF8.GetString(buffer, length);
        }
        finally
        {
            _ = Libc.close(fd);
        }
    }

    private static int Open(string path, int flags)
    {
        int fd;
        while ((fd = Libc.open(path, flags | Libc.OCloexec)) < 0 && Marshal.GetLastPInvokeError() == Libc.EIntr)
        {
        }

        return fd >= 0 ? fd : throw Failure("open", path);
    }

    private static IOException Failure(string what, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what} {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

}
