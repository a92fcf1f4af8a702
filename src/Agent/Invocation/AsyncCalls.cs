using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.State;
using Microsoft.Extensions.Logging;

namespace Fnagent.Invocation;

/// <summary>
/// Async calls (docs/protocols.md §10): a call is accepted once its request is committed to
/// the <see cref="AsyncQueue"/>, then run here, through the same invoker, pools and formats
/// as a sync call, at most <c>async_concurrency</c> of a function at once (so its sync
/// callers always find a place), oldest first. Its output is kept with its record. At start,
/// <see cref="Start"/> runs what a crash or a stop left queued. Thread-safe.
/// </summary>
public sealed partial class AsyncCalls(AsyncQueue? queue, IFunctionRegistry registry, FunctionInvoker invoker, AgentOptions options,
    TimeProvider time, ILogger<AsyncCalls> logger, ICallInputs? inputs = null) : IAsyncDisposable
{
    private static readonly FunctionError NoStore = new(FunctionErrorKind.NotStored,
        "async calls need the SQLite call store; this agent keeps calls in memory only (setting CallStore)");

    /// <summary>
    /// Stores the call, its body read whole first: its id once committed; else the error its
    /// caller gets (413 over the body limit, 503 + Retry-After when the queue is full or the
    /// database refused it: then nothing of it was stored). <paramref name="also"/> writes what
    /// is committed with the call.
    /// </summary>
    public async Task<(string? CallId, FunctionError? Error)> AcceptAsync(FunctionDefinition function, FunctionRequest request,
        CancellationToken callerAborted, Action<DatabaseWrite>? also = null)
    {
        if (queue is null)
        {
            return (null, NoStore);
        }

        // A full queue refuses before the body is read (the commit checks the bound again).
        if (queue.QueuedCount >= options.Limits.MaxQueuedAsyncCalls)
        {
            return (null, QueueFull());
        }

        var limit = options.Limits.MaxAsyncBodyBytes;
        byte[]? body;
        try
        {
            body = await BoundedRead.ReadAllAsync(request.Body, limit, callerAborted, request.ContentLength).ConfigureAwait(false);
        }
        catch (Exception e) when (FunctionErrors.From(e) is { } error)
        {
            return (null, error.Kind == FunctionErrorKind.RequestTooLarge ? TooLarge(limit) : error);
        }

        if (body is null)
        {
            return (null, TooLarge(limit));
        }

        var record = new CallRecord
        {
            CallId = request.CallId,
            App = function.App,
            Function = function.Name,
            Route = function.Route,
            StartedAt = time.GetUtcNow(),
            Type = "async",
            Status = CallStatus.Queued,
        };
        try
        {
            if (!await queue.EnqueueAsync(new AsyncSubmission(record, request.Method, request.RequestUrl, request.Target, request.Headers, body, also))
                    .ConfigureAwait(false))
            {
                return (null, QueueFull());
            }
        }
        catch (CallDatabaseException e)
        {
            return (null, new FunctionError(FunctionErrorKind.NotStored, $"the async call could not be stored: {e.Message}"));
        }

        Dispatch(function.App, function.Name, [request.CallId]);
        return (request.CallId, null);
    }

    private FunctionError QueueFull() => new(FunctionErrorKind.NoCapacity,
        $"too many async calls wait to run (limit {options.Limits.MaxQueuedAsyncCalls}); retry later");

    /// <summary>The error of an async call whose body is over the limit.</summary>
    public static FunctionError TooLarge(long limit) =>
        new(FunctionErrorKind.RequestTooLarge, $"request body too large for an async call (limit {limit} bytes)");

    private IReadOnlyList<QueuedCall> _recovered = [];

    /// <summary>
    /// Before the agent serves: settles the calls a crash cut off (by each function's
    /// <c>retries</c>), so that no call accepted from now on can be taken for one of them.
    /// </summary>
    public void Recover()
    {
        if (queue is not null)
        {
            _recovered = queue.Recover((app, name) => Find(app, name)?.Retries ?? 0);
        }

        // A function that comes back (a func.yml fixed, a folder restored) runs its waiting calls.
        registry.Changed += Resume;
    }

    /// <summary>Once the agent serves: runs every call that was queued before this start.</summary>
    public void Start()
    {
        var recovered = Interlocked.Exchange(ref _recovered, []);
        foreach (var lane in recovered.GroupBy(call => (call.App, call.Function)))
        {
            Dispatch(lane.Key.App, lane.Key.Function, lane.Select(call => call.CallId).ToList());
        }

        if (recovered.Count > 0)
        {
            logger.AsyncCallsRecovered(recovered.Count);
        }
    }

    /// <summary>Raised with a call's id once its end and output are committed (or given up on): a Sonr callback may be due.</summary>
    public event Action<string>? CallEnded;

    /// <summary>An ended async call's output as kept; null when there is none (yet), or no such call.</summary>
    public AsyncOutput? ReadOutput(string callId) =>
        _ending.TryGetValue(callId, out var response)
            ? new AsyncOutput(response.Output.ToArray(), response.ContentType, response.Total)
            : queue?.ReadOutput(callId);

    // Calls that ended and whose output is not committed yet: their record already says they
    // ended (the store serves it from memory), so their output is served from here meanwhile.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, AsyncCallResponse> _ending = new(StringComparer.Ordinal);

    private FunctionDefinition? Find(string app, string name)
    {
        foreach (var function in registry.All)
        {
            if (function.App == app && function.Name == name)
            {
                return function;
            }
        }

        return null;
    }
}
