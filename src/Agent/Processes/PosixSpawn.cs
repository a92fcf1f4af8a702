using System.IO.Pipes;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Fnagent.Processes;

/// <summary>
/// Starts a process with posix_spawn(3) as the leader of a new process group
/// (POSIX_SPAWN_SETPGROUP), its stdin, stdout and stderr on fresh pipes.
/// </summary>
/// <remarks>
/// Why not Process.Start: it cannot give the child a group of its own, so the agent ran
/// every function through setsid(1), a second exec per process. In a VM the dynamic
/// loader's start-up (CPUID probes trap to the hypervisor) dominates an exec
/// (docs/performance.md has the load benchmark's rows for both).
/// Why a group and not a session: Linux's autogroup scheduling (on by default) gives
/// every session one equal share of the CPU, whatever its number of threads. With each
/// function its own session, the agent (one session) got one share against every busy
/// function's, and calls waited behind it (docs/performance.md). A group is all the kill
/// needs (see ProcessGroup).
/// Like Process.Start, the child gets default signal
/// dispositions (the runtime ignores SIGPIPE; a function must not inherit that) and an
/// empty signal mask. Only the three pipes reach it: every fd above 2 is closed in the
/// child (posix_spawn_file_actions_addclosefrom_np, one close_range(2)), because the agent's
/// own fds are close-on-exec but what its parent gave it is not: an agent started as
/// <c>fnagent serve 9&gt;&gt;operator.log</c> handed fd 9 to every function, which could
/// write into the operator's file (docs/protocols.md §1: nothing of the agent reaches a
/// function but what is listed there). glibc's posix_spawn reports an exec failure as its return value, so a
/// launch error is known at once.
/// The runtime reaps only the children it started itself, so each child here is reaped
/// by <see cref="Reap"/> (see <see cref="Reaper"/>).
/// </remarks>
internal static unsafe partial class PosixSpawn
{
    private const short SetSigDef = 0x04;
    private const short SetSigMask = 0x08;
    private const short SetPgroup = 0x02;
    private const int PPid = 1;
    private const int WExited = 4;
    private const int WNoWait = 0x1000000;
    private const int CldExited = 1;
    private const int FSetFl = 4;
    private const int ONonBlock = 0x800;
    private const int RlimitNofile = 7;

    // glibc: posix_spawnattr_t is 336 bytes, posix_spawn_file_actions_t 80, sigset_t 128.
    private const int OpaqueSize = 1024;

    /// <summary>A started child; with the sandbox's handshake, the agent's ends of its two pipes (else -1), for <see cref="Release"/>.</summary>
    public readonly record struct Child(int Pid, SafePipeHandle StandardInput, SafePipeHandle StandardOutput, SafePipeHandle StandardError,
        int Info = -1, int Block = -1);

    /// <summary>
    /// Starts the child. The agent's ends of stderr, and of stdout when <paramref name="stdoutIsLog"/>,
    /// are non-blocking: they are read by <see cref="LinePump"/>, only when they are readable.
    /// With <paramref name="handshake"/>, the argv is bubblewrap's with
    /// <c>--info-fd 3 --block-fd 4</c> (<see cref="InfoFd"/>, <see cref="BlockFd"/>): the
    /// sandbox waits, the function not started yet, until the caller calls <see cref="Release"/>.
    /// </summary>
    public static Child Start(string name, string path, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment,
        string workingDirectory, bool stdoutIsLog, bool handshake = false)
    {
        Span<int> stdin = stackalloc int[2];
        Span<int> stdout = stackalloc int[2];
        Span<int> stderr = stackalloc int[2];
        Span<int> info = stackalloc int[2];
        Span<int> block = stackalloc int[2];
        stdin.Fill(-1);
        stdout.Fill(-1);
        stderr.Fill(-1);
        info.Fill(-1);
        block.Fill(-1);
        Child child = default;
        var attr = NativeMemory.AllocZeroed(OpaqueSize);
        var actions = NativeMemory.AllocZeroed(OpaqueSize);
        var signals = NativeMemory.AllocZeroed(OpaqueSize);
        var strings = new List<IntPtr>();
        var actionsReady = false;
        var attrReady = false;
        try
        {
            Check(MakePipe(stdin), "pipe");
            Check(MakePipe(stdout), "pipe");
            Check(MakePipe(stderr), "pipe");
            Check(NonBlocking(stderr[0]), "fcntl");
            if (stdoutIsLog)
            {
                Check(NonBlocking(stdout[0]), "fcntl");
            }

            Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            actionsReady = true;
            Check(posix_spawn_file_actions_adddup2(actions, stdin[0], 0), "adddup2");
            Check(posix_spawn_file_actions_adddup2(actions, stdout[1], 1), "adddup2");
            Check(posix_spawn_file_actions_adddup2(actions, stderr[1], 2), "adddup2");
            if (handshake)
            {
                Check(MakePipe(info), "pipe");
                Check(MakePipe(block), "pipe");
                Check(posix_spawn_file_actions_adddup2(actions, info[1], InfoFd), "adddup2");
                Check(posix_spawn_file_actions_adddup2(actions, block[0], BlockFd), "adddup2");
            }

            Check(posix_spawn_file_actions_addclosefrom_np(actions, handshake ? BlockFd + 1 : 3), "addclosefrom");
            Check(posix_spawn_file_actions_addchdir_np(actions, workingDirectory), "addchdir");

            Check(posix_spawnattr_init(attr), "posix_spawnattr_init");
            attrReady = true;
            Check(posix_spawnattr_setflags(attr, (short)(SetPgroup | SetSigDef | SetSigMask)), "setflags");
            Check(posix_spawnattr_setpgroup(attr, 0), "setpgroup"); // 0: the child's own pid
            Check(sigfillset(signals), "sigfillset");
            Check(posix_spawnattr_setsigdefault(attr, signals), "setsigdefault");
            Check(sigemptyset(signals), "sigemptyset");
            Check(posix_spawnattr_setsigmask(attr, signals), "setsigmask");

            var argvBlock = StringArray(argv, strings);
            var envBlock = StringArray(environment.Select(kv => kv.Key + "=" + kv.Value).ToList(), strings);
            int pid;
            var error = posix_spawn(&pid, path, actions, attr, argvBlock, envBlock);
            if (error != 0)
            {
                throw new ProcessStartException($"cannot start '{name}': {Marshal.GetPInvokeErrorMessage(error)}");
            }

            child = new Child(pid, new SafePipeHandle(stdin[1], ownsHandle: true), new SafePipeHandle(stdout[0], ownsHandle: true),
                new SafePipeHandle(stderr[0], ownsHandle: true), info[0], block[1]);
            stdin[1] = stdout[0] = stderr[0] = info[0] = block[1] = -1;
        }
        finally
        {
            // The child's ends are the child's now; a failed start closes every end. The
            // handshake's ends of the agent go to the caller with the child.
            foreach (var fd in new[] { stdin[0], stdin[1], stdout[0], stdout[1], stderr[0], stderr[1], info[1], block[0] })
            {
                if (fd >= 0)
                {
                    _ = Libc.close(fd);
                }
            }

            if (actionsReady)
            {
                _ = posix_spawn_file_actions_destroy(actions);
            }

            if (attrReady)
            {
                _ = posix_spawnattr_destroy(attr);
            }

            foreach (var p in strings)
            {
                Marshal.FreeCoTaskMem(p);
            }

            NativeMemory.Free(attr);
            NativeMemory.Free(actions);
            NativeMemory.Free(signals);
            foreach (var fd in new[] { info[0], block[1] })
            {
                if (fd >= 0)
                {
                    _ = Libc.close(fd);
                }
            }
        }

        return child;
    }

    /// <summary>
    /// Blocks until the child exits: its exit code, or 128+N when signal N killed it. The
    /// child is left unreaped (waitid with WNOWAIT), so its pid and group id stay reserved
    /// until <see cref="Reap"/>.
    /// </summary>
    public static int WaitForExit(int pid)
    {
        // siginfo_t is 128 bytes; for SIGCHLD, si_code is at 8, si_pid at 16, si_status at 24.
        var info = stackalloc byte[128];
        while (true)
        {
            new Span<byte>(info, 128).Clear();
            if (waitid(PPid, pid, info, WExited | WNoWait) == 0 && *(int*)(info + 16) == pid)
            {
                var status = *(int*)(info + 24);
                return *(int*)(info + 8) == CldExited ? status : 128 + status;
            }

            if (Marshal.GetLastPInvokeError() != Libc.EIntr)
            {
                return -1;
            }
        }
    }

    /// <summary>Reaps a child that has exited.</summary>
    public static void Reap(int pid)
    {
        while (waitpid(pid, null, 0) < 0 && Marshal.GetLastPInvokeError() == Libc.EIntr)
        {
        }
    }

    /// <summary>
    /// Sets RLIMIT_NOFILE of <paramref name="pid"/>, soft and hard, to <paramref name="files"/>
    /// (at most the agent's own hard limit). False when it failed (the child is gone).
    /// </summary>
    public static bool LimitOpenFiles(int pid, int files)
    {
        ulong* own = stackalloc ulong[2];
        if (prlimit(0, RlimitNofile, null, own) != 0)
        {
            return false;
        }

        ulong* limit = stackalloc ulong[2];
        limit[0] = limit[1] = Math.Min((ulong)files, own[1]);
        return prlimit(pid, RlimitNofile, limit, null) == 0;
    }

    public static AnonymousPipeClientStream Stream(SafePipeHandle handle, PipeDirection direction) => new(direction, handle);

    private static int MakePipe(Span<int> fds)
    {
        fixed (int* p = fds)
        {
            return pipe2(p, Libc.OCloexec) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    // Only the agent's end: the child's end of the pipe is a file of its own and stays blocking.
    private static int NonBlocking(int fd) => fcntl(fd, FSetFl, ONonBlock) == 0 ? 0 : Marshal.GetLastPInvokeError();

    private static byte** StringArray(IReadOnlyList<string> values, List<IntPtr> owned)
    {
        var block = (byte**)Marshal.AllocCoTaskMem(IntPtr.Size * (values.Count + 1));
        owned.Add((IntPtr)block);
        for (var i = 0; i < values.Count; i++)
        {
            var s = Marshal.StringToCoTaskMemUTF8(values[i]);
            owned.Add(s);
            block[i] = (byte*)s;
        }

        block[values.Count] = null;
        return block;
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new ProcessStartException($"{what} failed: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int pipe2(int* fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitpid(int pid, int* status, int options);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitid(int idtype, int id, void* info, int options);

    [LibraryImport("libc")]
    private static partial int sigfillset(void* set);

    [LibraryImport("libc")]
    private static partial int sigemptyset(void* set);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_init(void* actions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_destroy(void* actions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newfd);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_addclosefrom_np(void* actions, int from);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int posix_spawn_file_actions_addchdir_np(void* actions, string path);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_init(void* attr);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setpgroup(void* attr, int pgroup);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setsigdefault(void* attr, void* set);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setsigmask(void* attr, void* set);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prlimit(int pid, int resource, ulong* newLimit, ulong* oldLimit);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int posix_spawn(int* pid, string path, void* actions, void* attr, byte** argv, byte** envp);
}
