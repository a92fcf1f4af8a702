using System.Runtime.InteropServices;

namespace Fnagent.Processes;

/// <summary>What the agent's own calls into libc share (PosixSpawn, Reaper, CgroupFile).</summary>
internal static partial class Libc
{
    public const int EIntr = 4;
    public const int OCloexec = 0x80000;

    [LibraryImport("libc")]
    public static partial int close(int fd);
}
