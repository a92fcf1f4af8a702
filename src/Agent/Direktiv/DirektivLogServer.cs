using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fnagent.Direktiv;

/// <summary>
/// The log endpoint Direktiv functions call (docs/protocols.md §8): <c>POST /log?aid=ID</c>
/// with the text as body, or <c>GET /log?aid=ID&amp;log=TEXT</c>. Each line goes to that
/// call's log, also for a short grace after the call ended. An unknown aid is a 404, an
/// oversize body a 413; no request can break it.
/// In namespace mode it listens on one Unix socket that each namespace's relay forwards
/// its 127.0.0.1:8889 to; in the port fallback, on the host's 127.0.0.1:8889. Started on
/// the first instance, so an agent without Direktiv functions binds nothing.
/// Thread-safe.
/// </summary>
public sealed class DirektivLogServer : IAsyncDisposable
{
    private const int DrainFactor = 16;

    private readonly AgentOptions _options;
    private readonly DirektivSandbox _sandbox;
    private readonly DirektivCalls _calls;
    private readonly ILogger<DirektivLogServer> _logger;
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private readonly string _directory;
    private WebApplication? _app;
    private bool _started;

    public DirektivLogServer(AgentOptions options, DirektivSandbox sandbox, DirektivCalls calls, ILogger<DirektivLogServer> logger)
    {
        _options = options;
        _sandbox = sandbox;
        _calls = calls;
        _logger = logger;

        // Short path: a Unix socket path must fit in 108 bytes.
        _directory = Directory.CreateTempSubdirectory("fnagent-dklog-").FullName;
        SocketPath = Path.Combine(_directory, "log.sock");
    }

    /// <summary>The Unix socket the namespaces' relays forward their port 8889 to.</summary>
    public string SocketPath { get; }

    /// <summary>Starts listening, once; a port that is taken is a warning, not a failure of the call.</summary>
    public async Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _started))
        {
            return;
        }

        await _startGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_started)
            {
                return;
            }

            var app = Build();
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                _app = app;
            }
            catch (IOException e)
            {
                _logger.LogPortTaken(_options.Direktiv.LogPort, e.Message);
                await app.DisposeAsync().ConfigureAwait(false);
            }

            Volatile.Write(ref _started, true);
        }
        finally
        {
            _startGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            await app.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await app.DisposeAsync().ConfigureAwait(false);
        }

        _startGate.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = _directory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Past the limit the body is still read (and dropped) up to this bound, so the
            // function gets its 413 instead of a connection reset while it is still writing.
            kestrel.Limits.MaxRequestBodySize = (long)_options.Direktiv.MaxLogRequestBytes * DrainFactor;
            if (_sandbox.Isolation == DirektivIsolation.Namespace)
            {
                kestrel.ListenUnixSocket(SocketPath);
            }
            else
            {
                kestrel.ListenLocalhost(_options.Direktiv.LogPort);
            }
        });

        var app = builder.Build();

        // On the host's 127.0.0.1:8889 (port fallback) a web page could write into a call's
        // log; functions call it as localhost:8889 or 127.0.0.1:8889, which pass.
        app.Use(new Http.LoopbackHostFilter(_options.AllowedHosts).Wrap);
        app.Map("/log", HandleAsync);
        return app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var get = HttpMethods.IsGet(request.Method);
            if (!get && !HttpMethods.IsPost(request.Method))
            {
                response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }

            if (!_calls.TryGet(request.Query["aid"].ToString(), out var target))
            {
                response.StatusCode = StatusCodes.Status404NotFound;
                await response.WriteAsync("unknown aid\n", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            var text = get ? request.Query["log"].ToString() : await ReadBodyAsync(request, context.RequestAborted).ConfigureAwait(false);
            if (text is null)
            {
                response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }

            _calls.Append(target, [.. text.TrimEnd('\n').Split('\n').Select(line => line.TrimEnd('\r'))]);
        }
        catch (BadHttpRequestException e)
        {
            TrySetStatus(response, e.StatusCode);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Logging never throws into the function: whatever went wrong is ours to report.
            _logger.LogRequestFailed(e.Message);
            TrySetStatus(response, StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>The body as text, or null when it is over the limit.</summary>
    private async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = _options.Direktiv.MaxLogRequestBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        var over = request.ContentLength > limit;
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            over |= buffer.Length + read > limit;
            if (!over)
            {
                buffer.Write(chunk, 0, read);
            }
        }

        return over ? null : Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void TrySetStatus(HttpResponse response, int status)
    {
        if (!response.HasStarted)
        {
            response.StatusCode = status;
        }
    }
}
