using System.Runtime.InteropServices;

namespace Fnagent.Processes;

/// <summary>
/// Signals to a whole process group. Every function process is started as the leader of
/// its own group (posix_spawn with POSIX_SPAWN_SETPGROUP), so its children, and theirs, share its
/// group id even after it exits: one kill(-pgid) reaches what a tree walk would miss
/// (a background child whose parent is already gone).
/// </summary>
internal static class ProcessGroup
{
    private const int SigTerm = 15;

    public static void Kill(int pgid) => Signal(pgid, Libc.SigKill);

    public static void Terminate(int pgid) => Signal(pgid, SigTerm);

    /// <summary>True when no process (not even a zombie) is left in the group.</summary>
    public static bool IsEmpty(int pgid) => Libc.kill(-pgid, 0) != 0 && Marshal.GetLastPInvokeError() == Libc.ESrch;

    private static void Signal(int pgid, int signal)
    {
        // ESRCH (nothing left in the group) is the normal case after an exit; ignore it.
        if (pgid > 1)
        {
            _ = Libc.kill(-pgid, signal);
        }
    }
}
