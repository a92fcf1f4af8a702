using System.Net;
using System.Net.Sockets;
using Fnagent.Functions;
using Fnagent.Invocation;
using Fnagent.Processes;
using Microsoft.Extensions.Logging;

namespace Fnagent.Direktiv;

/// <summary>
/// One running Direktiv function: an HTTP server serving many calls at once. In namespace
/// mode it runs under bubblewrap in a network namespace of its own, where relays make its
/// 127.0.0.1:8080 reachable through <c>http.sock</c> in its private directory and forward
/// its 127.0.0.1:8889 to the agent's log endpoint, as a pod with a sidecar would. In the
/// port fallback it runs as is with a free port in <c>PORT</c>. Thread-safe: calls share
/// <see cref="Client"/>; disposal kills the whole process group and removes the directory.
/// </summary>
public sealed class DirektivInstance : IAsyncDisposable
{
    // In the namespace: the log relays first (a function may log as it starts), then the
    // function; the relay into 8080 opens only once 8080 accepts, so the agent's first
    // successful connect to http.sock means "ready"; once the function exited it closes
    // again, so that a call is refused (nothing delivered, retried elsewhere) rather than
    // accepted by the relay and dropped. $1 private dir, $2 agent log socket, $3 socat,
    // $4 log port, $5 open-files limit (set before anything starts), then the function's
    // argv, never interpreted by this shell.
    private const string Launcher = """
        dir=$1; log=$2; socat=$3; logport=$4; ulimit -n "$5"; shift 5
        "$socat" TCP4-LISTEN:$logport,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$log" &
        "$socat" TCP6-LISTEN:$logport,bind=[::1],fork,reuseaddr UNIX-CONNECT:"$log" 2>/dev/null &
        "$@" &
        fn=$!
        until "$socat" -u OPEN:/dev/null TCP4:127.0.0.1:8080 2>/dev/null; do
          kill -0 $fn 2>/dev/null || { wait $fn; exit $?; }
          sleep 0.02
        done
        "$socat" UNIX-LISTEN:"$dir/http.sock",fork TCP4:127.0.0.1:8080 &
        relay=$!
        wait $fn
        code=$?
        kill $relay 2>/dev/null
        rm -f "$dir/http.sock"
        exit $code
        """;

    private static readonly TimeSpan MaxProbeDelay = TimeSpan.FromMilliseconds(100);

    private readonly FunctionProcess _process;
    private readonly string _directory;
    private readonly EndPoint _endpoint;
    private readonly FunctionUser? _user;

    private DirektivInstance(FunctionProcess process, string directory, EndPoint endpoint, FunctionUser? user)
    {
        _user = user;
        _process = process;
        _directory = directory;
        _endpoint = endpoint;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            // Below node's 5 s and Go's 15 s keep-alive: never reuse a connection the server is closing.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2),
            ConnectCallback = (_, cancellationToken) => ConnectAsync(endpoint, cancellationToken),
        };
        Client = new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:8080/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public int Id => _process.Id;

    private int _served;

    /// <summary>True for the first call it is given only: that call was cold (a process started for it).</summary>
    public bool TakesFirstCall() => Interlocked.Exchange(ref _served, 1) == 0;

    /// <summary>Where the agent reaches the function: a Unix socket path or 127.0.0.1:port.</summary>
    public string Endpoint => _endpoint.ToString() ?? "";

    /// <summary>Completes when the function exited.</summary>
    public Task<int> Exited => _process.Exited;

    public bool HasExited => _process.HasExited;

    /// <summary>The client for the function's HTTP server; one connection per call in flight.</summary>
    public HttpClient Client { get; }

    /// <summary>A fresh private directory for one call (its <c>Direktiv-TempDir</c>); the caller removes it.</summary>
    public string NewCallDirectory(string callId)
    {
        var path = Path.Combine(_directory, "calls", callId);
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _user?.Own(path);
        return path;
    }

    /// <summary>
    /// Starts the function and waits until it accepts connections, at most
    /// <see cref="DirektivOptions.StartTimeout"/>. Throws <see cref="ProcessStartException"/>
    /// when it cannot start, exits, or is not ready in time; leaves nothing running then.
    /// Until it is ready, what it prints goes to <paramref name="starter"/>'s log too (as for
    /// http-stream), so that a function that dies before it listens can be read about in
    /// the call that saw it fail, not only in the agent's log.
    /// </summary>
    public static async Task<DirektivInstance> StartAsync(FunctionDefinition function, DirektivSandbox isolation, string logSocket,
        AgentOptions options, TimeProvider time, ILogger logger, Call? starter = null)
    {
        var directory = Directory.CreateTempSubdirectory("fnagent-dk-").FullName;
        var namespaced = isolation.Isolation == DirektivIsolation.Namespace;
        var port = namespaced ? 8080 : FreePort();
        // A root agent's function runs as its user (see FunctionUser); the directory stays
        // the agent's (its relays put http.sock there, and it makes the calls' folders in
        // it, which a link planted by the function must not redirect): enterable, not
        // writable, with a home of the user's inside.
        var user = options.User;
        var home = directory;
        if (user is not null)
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            home = Directory.CreateDirectory(Path.Combine(directory, "home"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
            user.Own(home);
            Directory.CreateDirectory(Path.Combine(directory, "calls"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        // In the sandbox the directory and the log socket are all it sees of the agent's;
        // HOME is its /tmp. Without the namespace mode's relays the port is the host's.
        var sandbox = FunctionLaunch.Sandboxed(function, options, function.Directory, [directory, logSocket]);
        if (sandbox is not null && !namespaced)
        {
            sandbox = sandbox with { Writable = [directory] };
        }

        var env = FunctionLaunch.Environment(function, options.FunctionPath, sandbox is null ? home : FunctionLaunch.SandboxHome);
        env["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        FunctionProcess process;
        try
        {
            // Resolved here so that a missing program is a clear start error, not exit 127.
            var program = ExecutableLookup.Resolve(function.Command[0], function.Directory, env.GetValueOrDefault("PATH"));
            List<string> run = (sandbox, user) switch
            {
                (not null, not null) => [.. user.Setpriv(dropCapabilities: true), program, .. function.Command.Skip(1)],
                (null, not null) => user.Wrap(function.Directory, program, function.Command.Skip(1)),
                _ => [program, .. function.Command.Skip(1)],
            };
            List<string> launcher = ["-c", Launcher, "sh", directory, logSocket, isolation.Socat!,
                options.Direktiv.LogPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                options.Limits.OpenFiles.ToString(System.Globalization.CultureInfo.InvariantCulture), .. run];
            // The launcher (the agent's) runs as root in the sandbox, to make http.sock in the
            // agent's directory; the function through setpriv, as its user. In the port
            // fallback the function is the sandbox's alone, started as any function's is.
            List<string> argv = (namespaced, sandbox) switch
            {
                (true, not null) => sandbox.Jail.Wrap(sandbox with { NoNetwork = true, Program = program }, "/bin/sh", launcher, asUser: false),
                (true, null) => [isolation.Bwrap!, "--dev-bind", "/", "/", "--unshare-net", "/bin/sh", .. launcher],
                (false, not null) => [program, .. function.Command.Skip(1)],
                _ => run,
            };
            var spec = new ProcessSpec
            {
                Command = argv,
                Sandbox = namespaced ? null : sandbox,
                Environment = env,
                WorkingDirectory = function.Directory,
                PrivateDirectory = directory,
                Limits = FunctionLaunch.LimitsOf(function, options),
                OpenFiles = options.Limits.OpenFiles,

                // Nobody reads its stdout: what it prints goes to the agent's log (calls
                // overlap, so a line cannot be told to belong to one call: calls log through 8889).
                StdoutIsLog = true,
            };
            var pid = 0;
            process = FunctionProcess.Start(spec, line =>
            {
                // Once ready, calls overlap: no line can be told to belong to one of them.
                if (Volatile.Read(ref starter) is { } call)
                {
                    call.OnOutputLine(Volatile.Read(ref pid), line);
                }
                else
                {
                    logger.InstanceOutput(function.App, function.Name, Volatile.Read(ref pid), line);
                }
            });
            Volatile.Write(ref pid, process.Id);
        }
        catch
        {
            TryDelete(directory);
            throw;
        }

        // Nobody writes to its stdin.
        await process.StandardInput.DisposeAsync().ConfigureAwait(false);

        EndPoint endpoint = namespaced ? new UnixDomainSocketEndPoint(Path.Combine(directory, "http.sock")) : new IPEndPoint(IPAddress.Loopback, port);
        var instance = new DirektivInstance(process, directory, endpoint, user);
        try
        {
            await instance.WaitReadyAsync(options.Direktiv.StartTimeout, time).ConfigureAwait(false);
        }
        catch
        {
            // Its last words (a stack trace, say) reach the starter's log before the call ends.
            await process.LogCaughtUpAsync(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
            Volatile.Write(ref starter, null);
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Volatile.Write(ref starter, null);
        logger.InstanceStarted(function.App, function.Name, process.Id, instance.Endpoint);
        return instance;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _process.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Connects with a growing pause between tries (no busy spin), until ready, exited or out of time.</summary>
    private async Task WaitReadyAsync(TimeSpan timeout, TimeProvider time)
    {
        using var limit = new CancellationTokenSource(timeout, time);
        var delay = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new ProcessStartException($"it exited with code {await _process.Exited.ConfigureAwait(false)} before accepting connections");
            }

            try
            {
                await using var stream = await ConnectAsync(_endpoint, limit.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException)
            {
                throw new ProcessStartException($"it did not accept connections within {timeout.TotalSeconds:0.###}s");
            }

            try
            {
                await Task.WhenAny(Task.Delay(delay, time, limit.Token), _process.Exited).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            if (limit.IsCancellationRequested)
            {
                throw new ProcessStartException($"it did not accept connections within {timeout.TotalSeconds:0.###}s");
            }

            delay = delay * 2 < MaxProbeDelay ? delay * 2 : MaxProbeDelay;
        }
    }

    private static async ValueTask<Stream> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = endpoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
