using System.Runtime.InteropServices;

namespace Fnagent.Processes;

/// <summary>
/// One thread that reaps every function process. Each child leads a process group; when
/// it exits, its group is killed (whatever it left running) while the child, a zombie
/// not yet reaped, still holds the group's id, so the kill cannot reach a new group that
/// got the same number; then the child is reaped. Each child gets a pidfd
/// (pidfd_open(2), Linux 5.3+), which becomes readable when the child exits; all of them
/// sit in one epoll set, and the thread blocks in epoll_wait until one is, then reads
/// the exit code, kills the group, reaps the child and hands the code on. No thread
/// per process and nothing that spins: reused waiter threads blocked in waitpid, one per
/// live process, spent ~9% of the CPU of <c>default</c>/<c>cat</c> at c=16 spinning in
/// their work queue between children (issue 7). Where pidfd_open is missing, a child gets
/// a thread of its own, blocked until it exits. Thread-safe.
/// </summary>
internal static unsafe partial class Reaper
{
    private const int EpollCloexec = 0x80000;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const uint EpollIn = 0x1;
    private const uint EpollOneShot = 1u << 30;
    private const int PidfdOpenSyscall = 434; // the same number on every architecture
    private const int MaxEvents = 64;

    // struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere (16).
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private static readonly Lock Gate = new();
    private static readonly Dictionary<long, Watched> ByKey = [];
    private static int s_epoll = -1;
    private static long s_nextKey;
    private static bool s_broken;

    private readonly record struct Watched(int Pid, int PidFd, Action<int> OnExit);

    /// <summary>Reaps <paramref name="pid"/> when it exits and hands its exit code (128+N for signal N) to <paramref name="onExit"/>.</summary>
    public static void Watch(int pid, Action<int> onExit)
    {
        var pidfd = (int)syscall(PidfdOpenSyscall, pid, 0);
        if (pidfd < 0 || !TryAdd(new Watched(pid, pidfd, onExit)))
        {
            if (pidfd >= 0)
            {
                _ = Libc.close(pidfd);
            }

            WatchOnThread(pid, onExit);
        }
    }

    private static bool TryAdd(Watched watched)
    {
        lock (Gate)
        {
            if (s_broken)
            {
                return false;
            }

            if (s_epoll < 0)
            {
                var epoll = epoll_create1(EpollCloexec);
                if (epoll < 0)
                {
                    return false;
                }

                s_epoll = epoll;
                new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = "fnagent reaper" }.UnsafeStart();
            }

            // A key, not the fd's number, identifies the child: a number can be reused.
            var key = ++s_nextKey;
            var ev = stackalloc byte[16];
            *(uint*)ev = EpollIn | EpollOneShot;
            *(long*)(ev + DataOffset) = key;
            ByKey[key] = watched;
            if (epoll_ctl(s_epoll, EpollCtlAdd, watched.PidFd, ev) != 0)
            {
                ByKey.Remove(key);
                return false;
            }

            return true;
        }
    }

    private static void Run()
    {
        var events = stackalloc byte[MaxEvents * 16];
        while (true)
        {
            var ready = epoll_wait(s_epoll, events, MaxEvents, -1);
            if (ready < 0)
            {
                if (Marshal.GetLastPInvokeError() == Libc.EIntr)
                {
                    continue;
                }

                // Cannot happen with a valid epoll fd; if it does, no child may go unreaped.
                FallBackToThreads();
                return;
            }

            for (var i = 0; i < ready; i++)
            {
                var key = *(long*)(events + (i * EventSize) + DataOffset);
                Watched watched;
                lock (Gate)
                {
                    if (!ByKey.Remove(key, out watched))
                    {
                        continue;
                    }

                    _ = epoll_ctl(s_epoll, EpollCtlDel, watched.PidFd, null);
                }

                _ = Libc.close(watched.PidFd);
                Exited(watched.Pid, watched.OnExit);
            }
        }
    }

    private static void FallBackToThreads()
    {
        lock (Gate)
        {
            s_broken = true;
            foreach (var watched in ByKey.Values)
            {
                _ = Libc.close(watched.PidFd);
                WatchOnThread(watched.Pid, watched.OnExit);
            }

            ByKey.Clear();
        }
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

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, void* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, void* events, int maxevents, int timeout);
}
