using System.Runtime.InteropServices;

namespace Fnagent.Processes;

public sealed unsafe partial class FunctionUser
{
    private const int AtFdCwd = -100;
    private const int StatxBasicStats = 0x7ff;

    /// <summary>Gives <paramref name="path"/> to this user (a private directory, a file written for it); false when that failed.</summary>
    public bool Own(string path) => chown(path, Uid, Gid) == 0;

    /// <summary>Mode, owner and group of <paramref name="path"/> (symlinks followed), or null when it cannot be read.</summary>
    private static (int Mode, int Uid, int Gid)? Stat(string path)
    {
        // statx: one layout on every architecture (stx_uid at 20, stx_gid at 24, stx_mode at 28).
        var buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0)
        {
            return null;
        }

        return (*(ushort*)(buffer + 28), *(int*)(buffer + 20), *(int*)(buffer + 24));
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int statx(int dirfd, string path, int flags, int mask, byte* buffer);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int chown(string path, int owner, int group);
}
