using System.Net.Http.Headers;
using Fnagent.State;
using Microsoft.Extensions.Logging;

namespace Fnagent.Sonr;

/// <summary>
/// Delivers the outputs of Sonr functions with a callback (docs/protocols.md §9): once the
/// async call has ended, its output is POSTed to the URL with <c>Sonr-Call-Id</c>,
/// <c>Sonr-Function</c>, <c>Sonr-Cid</c> and <c>Sonr-Status</c> (the call's HTTP status) and
/// the output's content type. A 2xx answer delivers it; a 408, 429 or 5xx answer, a refused
/// connection or a timeout is tried again after a wait that doubles, until
/// <see cref="CallbackOptions.GiveUpAfter"/>; any other answer (a redirect is never followed)
/// fails it at once. Every attempt is committed before the next, so an agent started again goes
/// on where the last one stopped: delivery is at least once (a receiver tells repeats apart by
/// Sonr-Call-Id).
/// </summary>
public sealed partial class CallbackSender : IAsyncDisposable
{
    // Woken at once when a call ends; otherwise this often, a guard against a missed wake.
    private static readonly TimeSpan LongestSleep = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DatabaseRetry = TimeSpan.FromSeconds(1);

    private readonly CallbackQueue _queue;
    private readonly CallbackOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _client;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public CallbackSender(CallbackQueue queue, CallbackOptions options, TimeProvider time, ILogger<CallbackSender> logger)
    {
        (_queue, _options, _time, _logger) = (queue, options, time, logger);
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = options.AttemptTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        })
        { Timeout = options.AttemptTimeout };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("fnagent", null));
    }

    /// <summary>Starts delivering: what an earlier agent left pending first.</summary>
    public void Start() => _loop = Task.Run(() => RunAsync(_stopping.Token));

    /// <summary>A call ended: its callback may be due.</summary>
    public void Wake(string callId) => _wake.Release();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _client.Dispose();
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            TimeSpan sleep;
            try
            {
                var due = _queue.Due(_time.GetUtcNow(), _options.MaxConcurrentAttempts);
                if (due.Count > 0)
                {
                    await Task.WhenAll(due.Select(callback => AttemptAsync(callback, stopping))).ConfigureAwait(false);
                    continue;
                }

                sleep = _queue.NextDue() is { } next ? next - _time.GetUtcNow() : LongestSleep;
            }
            catch (Exception e) when (e is CallDatabaseException or Microsoft.Data.Sqlite.SqliteException)
            {
                Log.DatabaseFailed(_logger, e.Message);
                sleep = DatabaseRetry;
            }

            try
            {
                await _wake.WaitAsync(sleep < TimeSpan.Zero ? TimeSpan.Zero : sleep > LongestSleep ? LongestSleep : sleep, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task AttemptAsync(DueCallback callback, CancellationToken stopping)
    {
        var (status, error) = await PostAsync(callback, stopping).ConfigureAwait(false);
        if (stopping.IsCancellationRequested && status is null)
        {
            return; // Cut off by the stop: not an attempt; the next start makes it.
        }

        var now = _time.GetUtcNow();
        var attempts = callback.Attempts + 1;
        var delay = TimeSpan.FromTicks(Math.Min(_options.FirstRetryDelay.Ticks * (1L << Math.Min(attempts - 1, 30)), _options.MaxRetryDelay.Ticks));
        var again = status is null or 408 or 429 or >= 500;
        var outcome = status is >= 200 and < 300 ? new CallbackAttempt(CallbackQueue.Delivered, status, null, now, null)
            : again && now + delay <= (callback.FirstAt ?? now) + _options.GiveUpAfter ? new CallbackAttempt(CallbackQueue.Pending, status, error, now, now + delay)
            : new CallbackAttempt(CallbackQueue.Failed, status, again ? $"gave up after {attempts} attempts: {error}" : error, now, null);
        try
        {
            await _queue.RecordAsync(callback, outcome).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CallDatabaseException or Microsoft.Data.Sqlite.SqliteException)
        {
            // Not recorded: it stays due, and is made again.
            Log.DatabaseFailed(_logger, e.Message);
            return;
        }

        if (outcome.State == CallbackQueue.Failed)
        {
            Log.Failed(_logger, callback.Function, callback.CallId, callback.Url.GetLeftPart(UriPartial.Path), outcome.Error!);
        }
    }

    /// <summary>One POST: the answer's status, or none and why (a refused connection, a timeout).</summary>
    private async Task<(int? Status, string? Error)> PostAsync(DueCallback callback, CancellationToken stopping)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, callback.Url) { Content = new ByteArrayContent(callback.Output) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.TryParse(callback.OutputType, out var type) ? type : new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add("Sonr-Call-Id", callback.CallId);
        request.Headers.Add("Sonr-Function", callback.Function);
        request.Headers.Add("Sonr-Cid", callback.Cid);
        if (callback.CallStatus is { } callStatus)
        {
            request.Headers.Add("Sonr-Status", callStatus.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stopping).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return (status, status switch
            {
                >= 200 and < 300 => null,
                >= 300 and < 400 => $"answered {status}{(response.Headers.Location is { } to ? $" to {to}" : "")}; redirects are not followed",
                _ => $"answered {status}",
            });
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stopping.IsCancellationRequested)
        {
            return (null, e is TaskCanceledException ? $"no answer within {_options.AttemptTimeout.TotalSeconds:0.#} s" : e.Message);
        }
        catch (OperationCanceledException)
        {
            return (null, "the agent stopped");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "sonr/{Function} call {CallId}: the callback to {Url} failed: {Error}")]
        public static partial void Failed(ILogger logger, string function, string callId, string url, string error);

        [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "callbacks: the call database refused a read or write, tried again shortly: {Message}")]
        public static partial void DatabaseFailed(ILogger logger, string message);
    }
}
