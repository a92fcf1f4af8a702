using System.Net.Sockets;

namespace Fnagent.Processes;

/// <summary>
/// Waits for an http-stream function's socket and connects to it (docs/protocols.md §5).
/// FDKs listen on <c>lsnr.sock.tmp</c> and then symlink <c>lsnr.sock</c> to it, so the
/// socket exists only once it accepts. The wait is driven by a file system watcher on the
/// function's private directory and by the process's exit, never by a polling loop.
/// </summary>
public static class ListenerSocket
{
    public const string FileName = "lsnr.sock";

    /// <summary>The value of <c>FN_LISTENER</c> for a process whose private directory is <paramref name="directory"/>.</summary>
    public static string ListenerAddress(string directory) => "unix:" + Path.Combine(directory, FileName);

    /// <summary>
    /// Connects to the function's socket once it appears. Throws <see cref="FunctionStartException"/>
    /// when the process exits first, the wait passes <paramref name="timeout"/>, or the socket is
    /// a symlink out of its directory or not a socket.
    /// </summary>
    public static async Task<Socket> ConnectAsync(FunctionProcess process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var directory = process.PrivateDirectory ?? throw new InvalidOperationException("an http-stream process needs a private directory");
        var path = Path.Combine(directory, FileName);
        var appeared = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(directory) { EnableRaisingEvents = true };
        watcher.Created += (_, e) => Signal(e.Name);
        watcher.Renamed += (_, e) => Signal(e.Name);

        void Signal(string? name)
        {
            if (name == FileName)
            {
                appeared.TrySetResult();
            }
        }

        // The socket may have appeared before the watcher started.
        if (Path.Exists(path))
        {
            appeared.TrySetResult();
        }

        var done = await Task.WhenAny(appeared.Task, process.Exited, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (done == process.Exited)
        {
            throw new FunctionStartException(false, $"function exited with code {process.Exited.Result} before it listened on {FileName}");
        }

        if (done != appeared.Task)
        {
            throw new FunctionStartException(true, $"function failed to start in time: no {FileName} after {timeout.TotalSeconds:0.###}s");
        }

        return await ConnectInsideAsync(directory, path, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Socket> ConnectInsideAsync(string directory, string path, CancellationToken cancellationToken)
    {
        // A symlink must stay inside the private directory: the agent must never be made to
        // connect to some other socket of the machine.
        var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        if (Path.GetDirectoryName(Path.GetFullPath(target)) != Path.GetFullPath(directory))
        {
            throw new FunctionStartException(false, $"{FileName} points outside the function's directory ({target})");
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(target), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new FunctionStartException(false, $"{FileName} is not a socket the function listens on ({e.SocketErrorCode})");
        }
    }
}
