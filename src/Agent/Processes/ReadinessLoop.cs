using System.Runtime.InteropServices;

namespace Fnagent.Processes;

/// <summary>
/// One thread that waits, in one epoll set, until any of many file descriptors can be
/// read (or was hung up), and calls that descriptor's handler on itself: the reaper's
/// pidfds, the log pipes' read ends. A handler runs until it returns; while it runs, its
/// descriptor is not watched (EPOLLONESHOT), and when it returns true the descriptor is
/// watched again (level-triggered: what is still unread wakes it again at once). When a
/// handler returns false, or at <see cref="Unwatch"/>, the descriptor leaves the set and
/// its handle is disposed: the loop owns the handle from <see cref="Watch"/> on, so a
/// descriptor's number cannot be closed and reused while the set still holds it.
/// Where epoll fails, each descriptor gets a thread of its own that waits with poll(2).
/// Thread-safe.
/// </summary>
internal sealed unsafe partial class ReadinessLoop(string name)
{
    private const int EpollCloexec = 0x80000;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const int EpollCtlMod = 3;
    private const uint EpollIn = 0x1;
    private const uint EpollOneShot = 1u << 30;
    private const int MaxEvents = 64;

    // struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere (16).
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private readonly Lock _gate = new();
    private readonly Dictionary<long, Watched> _byKey = [];
    private int _epoll = -1;
    private long _nextKey;
    private bool _broken;

    private sealed record Watched(long Key, SafeHandle Handle, Func<bool> OnReadable)
    {
        public volatile bool Removed;

        public bool OnThread { get; set; }

        public int Fd => (int)Handle.DangerousGetHandle();
    }

    /// <summary>
    /// Calls <paramref name="onReadable"/> on the loop's thread each time the handle's
    /// descriptor can be read, until it returns false. Returns a key for <see cref="Unwatch"/>.
    /// </summary>
    public long Watch(SafeHandle handle, Func<bool> onReadable)
    {
        lock (_gate)
        {
            var watched = new Watched(++_nextKey, handle, onReadable);
            _byKey[watched.Key] = watched;
            if (_broken || !EnsureStarted() || !Control(EpollCtlAdd, watched))
            {
                WatchOnThread(watched);
            }

            return watched.Key;
        }
    }

    /// <summary>Stops watching and disposes the handle (once a handler running now has returned).</summary>
    public void Unwatch(long key)
    {
        lock (_gate)
        {
            Remove(key);
        }
    }

    private bool EnsureStarted()
    {
        if (_epoll >= 0)
        {
            return true;
        }

        _epoll = epoll_create1(EpollCloexec);
        if (_epoll < 0)
        {
            return false;
        }

        new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = name }.UnsafeStart();
        return true;
    }

    private bool Control(int operation, Watched watched)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = EpollIn | EpollOneShot;
        *(long*)(ev + DataOffset) = watched.Key;
        return epoll_ctl(_epoll, operation, watched.Fd, ev) == 0;
    }

    // Under the gate: the descriptor leaves the set before its handle may close (the
    // handle's count defers the close past a running handler).
    private void Remove(long key)
    {
        if (!_byKey.Remove(key, out var watched))
        {
            return;
        }

        watched.Removed = true;
        if (!watched.OnThread)
        {
            _ = epoll_ctl(_epoll, EpollCtlDel, watched.Fd, null);
        }

        watched.Handle.Dispose();
    }

    private void Run()
    {
        var events = stackalloc byte[MaxEvents * 16];
        while (true)
        {
            var ready = epoll_wait(_epoll, events, MaxEvents, -1);
            if (ready < 0)
            {
                if (Marshal.GetLastPInvokeError() == Libc.EIntr)
                {
                    continue;
                }

                // Cannot happen with a valid epoll fd; if it does, nothing watched may be forgotten.
                FallBackToThreads();
                return;
            }

            for (var i = 0; i < ready; i++)
            {
                var key = *(long*)(events + (i * EventSize) + DataOffset);
                Watched? watched;
                lock (_gate)
                {
                    if (!_byKey.TryGetValue(key, out watched))
                    {
                        continue;
                    }
                }

                var again = Call(watched);
                lock (_gate)
                {
                    if (!watched.Removed && (!again || !Control(EpollCtlMod, watched)))
                    {
                        Remove(key);
                    }
                }
            }
        }
    }

    private static bool Call(Watched watched)
    {
        var added = false;
        try
        {
            // Held for the handler: an Unwatch meanwhile cannot close the descriptor under it.
            watched.Handle.DangerousAddRef(ref added);
            return watched.OnReadable();
        }
        catch
        {
            // A failing handler must not take the loop down with it; it is done, though.
            return false;
        }
        finally
        {
            if (added)
            {
                watched.Handle.DangerousRelease();
            }
        }
    }

    private void FallBackToThreads()
    {
        lock (_gate)
        {
            _broken = true;
            foreach (var watched in _byKey.Values.Where(w => !w.OnThread))
            {
                WatchOnThread(watched);
            }
        }
    }

    // Under the gate.
    private void WatchOnThread(Watched watched)
    {
        watched.OnThread = true;
        new Thread(() =>
        {
            var fd = new Libc.PollFd { Fd = watched.Fd, Events = Libc.PollIn };
            while (!watched.Removed)
            {
                // A bounded wait, so that an Unwatch is noticed even if nothing is ever written
                // (the handler never runs on a disposed handle: Call holds it first).
                if (Libc.poll(ref fd, 1, 1000) > 0 && !watched.Removed && !Call(watched))
                {
                    lock (_gate)
                    {
                        Remove(watched.Key);
                    }
                }
            }
        }, maxStackSize: 256 * 1024) { IsBackground = true, Name = name }.UnsafeStart();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, void* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, void* events, int maxevents, int timeout);
}
