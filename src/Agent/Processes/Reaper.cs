using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Fnagent.Processes;

/// <summary>
/// One thread that reaps every function process. Each child leads a process group; when
/// it exits, its group is killed (whatever it left running) while the child, a zombie
/// not yet reaped, still holds the group's id, so the kill cannot reach a new group that
/// got the same number; then the child is reaped. Each child gets a pidfd
/// (pidfd_open(2), Linux 5.3+), which becomes readable when the child exits; the reaper's
/// <see cref="ReadinessLoop"/> waits for all of them in one epoll set and, when one is,
/// reads the exit code, kills the group, reaps the child and hands the code on. No thread
/// per process and nothing that spins: reused waiter threads blocked in waitpid, one per
/// live process, spun in their work queue between children (docs/performance.md). Where pidfd_open is missing, a child gets
/// a thread of its own, blocked until it exits. Thread-safe.
/// </summary>
internal static partial class Reaper
{
    private const int PidfdOpenSyscall = 434; // the same number on every architecture

    private static readonly ReadinessLoop Loop = new("fnagent reaper");

    /// <summary>Reaps <paramref name="pid"/> when it exits and hands its exit code (128+N for signal N) to <paramref name="onExit"/>.</summary>
    public static void Watch(int pid, Action<int> onExit)
    {
        var pidfd = (int)syscall(PidfdOpenSyscall, pid, 0);
        if (pidfd < 0)
        {
            WatchOnThread(pid, onExit);
            return;
        }

        // Once is enough: a pidfd stays readable after the exit. The loop closes it.
        Loop.Watch(new SafeFileHandle(pidfd, ownsHandle: true), () =>
        {
            Exited(pid, onExit);
            return false;
        });
    }

    private static void WatchOnThread(int pid, Action<int> onExit) =>
        new Thread(() => Exited(pid, onExit), maxStackSize: 256 * 1024) { IsBackground = true, Name = "fnagent exit waiter" }.UnsafeStart();

    private static void Exited(int pid, Action<int> onExit)
    {
        var code = PosixSpawn.WaitForExit(pid);
        ProcessGroup.Kill(pid);
        PosixSpawn.Reap(pid);
        try
        {
            onExit(code);
        }
        catch
        {
            // A failing callback must not take the reaper down with it (it only completes a task).
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long arg1, long arg2);
}
