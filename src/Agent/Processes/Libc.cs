using System.Runtime.InteropServices;

namespace Fnagent.Processes;

/// <summary>What the agent's own calls into libc share (PosixSpawn, Reaper, KernelFile, LinePump).</summary>
internal static unsafe partial class Libc
{
    public const int EIntr = 4;
    public const int OCloexec = 0x80000;

    [LibraryImport("libc")]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nint count);
}
