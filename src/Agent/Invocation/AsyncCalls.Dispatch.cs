using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.State;

namespace Fnagent.Invocation;

/// <summary>
/// The dispatcher: one lane per function, holding the ids of its queued calls in the order
/// they came. A lane starts calls while fewer than the function's <c>async_concurrency</c>
/// run, claiming them (marked running, committed) before they start.
/// </summary>
public sealed partial class AsyncCalls
{
    /// <summary>How long a lane waits before it claims again after the database refused a claim.</summary>
    private static readonly TimeSpan ClaimRetry = TimeSpan.FromSeconds(1);

    private readonly Dictionary<(string App, string Function), Lane> _lanes = [];
    private readonly BackgroundWork _work = new();
    private bool _stopped;

    /// <summary>The agent is stopping: no more calls start; the queued ones wait for the next start.</summary>
    public void Stop()
    {
        lock (_lanes)
        {
            _stopped = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        await _work.DrainAsync(options.Limits.ShutdownGrace + AgentShutdown.AnswerMargin).ConfigureAwait(false);
    }

    private void Dispatch(string app, string name, IReadOnlyList<string> callIds)
    {
        Lane? lane;
        List<string>? start;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue((app, name), out lane))
            {
                _lanes[(app, name)] = lane = new Lane(app, name);
            }

            foreach (var callId in callIds)
            {
                lane.Waiting.Enqueue(callId);
            }

            start = TakeStartable(lane);
        }

        Run(lane, start);
    }

    /// <summary>Under the lock: the calls the lane may start now, counted as running.</summary>
    private List<string>? TakeStartable(Lane lane)
    {
        if (_stopped)
        {
            return null;
        }

        var limit = Find(lane.App, lane.Function)?.AsyncConcurrency ?? 1;
        List<string>? start = null;
        while (lane.Running < limit && lane.Waiting.TryDequeue(out var callId))
        {
            (start ??= []).Add(callId);
            lane.Running++;
        }

        return start;
    }

    private void Run(Lane lane, List<string>? callIds)
    {
        if (callIds is not null)
        {
            _work.Track(RunAsync(lane, callIds));
        }
    }

    private async Task RunAsync(Lane lane, List<string> callIds)
    {
        IReadOnlyList<AsyncRequest> claimed;
        try
        {
            claimed = await queue!.ClaimAsync(callIds).ConfigureAwait(false);
        }
        catch (CallDatabaseException e)
        {
            // Still queued in the file: tried again in a moment, in the same order.
            logger.AsyncClaimFailed(lane.App, lane.Function, callIds.Count, e.Message);
            await Task.Delay(ClaimRetry, time).ConfigureAwait(false);
            lock (_lanes)
            {
                lane.Running -= callIds.Count;
                foreach (var callId in lane.Waiting.ToList())
                {
                    callIds.Add(callId);
                }

                lane.Waiting.Clear();
                foreach (var callId in callIds)
                {
                    lane.Waiting.Enqueue(callId);
                }
            }

            Ended(lane, 0);
            return;
        }

        // An id no longer queued (ended or claimed meanwhile) gives its place back at once.
        Ended(lane, callIds.Count - claimed.Count);
        await Task.WhenAll(claimed.Select(call => RunOneAsync(lane, call))).ConfigureAwait(false);
    }

    private async Task RunOneAsync(Lane lane, AsyncRequest call)
    {
        Task completion;
        try
        {
            var (record, response) = await InvokeAsync(call).ConfigureAwait(false);
            completion = queue!.CompleteAsync(record, response.Output, response.ContentType, response.Total);
        }
        finally
        {
            // The place is given back once the completion is queued, not committed: the
            // writer commits in order, so the next call's claim shares the completion's commit.
            Ended(lane, 1);
        }

        try
        {
            await completion.ConfigureAwait(false);
        }
        catch (CallDatabaseException e)
        {
            // The call ran; its record (written beside) says how. Only its output is lost.
            logger.AsyncOutputNotStored(call.App, call.Function, call.CallId, e.Message);
        }
    }

    private async Task<(CallRecord Record, AsyncCallResponse Response)> InvokeAsync(AsyncRequest call)
    {
        var response = new AsyncCallResponse(options.Limits.MaxAsyncOutputBytes);
        if (Find(call.App, call.Function) is not { } function)
        {
            var gone = new FunctionError(FunctionErrorKind.NotFound, $"no function {call.Function} in app {call.App} any more");
            await response.WriteErrorAsync(gone, CancellationToken.None).ConfigureAwait(false);
            var now = time.GetUtcNow();
            return (new CallRecord
            {
                CallId = call.CallId, App = call.App, Function = call.Function, Route = "", StartedAt = now, EndedAt = now,
                Type = "async", Status = CallStatus.Error, HttpStatus = gone.Status, Error = gone.Message,
            }, response);
        }

        var headers = new FunctionHeaders();
        foreach (var (name, values) in call.Headers)
        {
            foreach (var value in values)
            {
                headers.Add(name, value);
            }
        }

        using var body = new MemoryStream(call.Body, writable: false);
        var request = invoker.NewRequest(function, call.Method, call.RequestUrl, call.Target, headers, call.Body.Length, body, call.CallId);
        var queuedFor = time.GetUtcNow() - (CallId.TimeOf(call.CallId) ?? time.GetUtcNow());
        var record = await invoker.InvokeAsync(function, request, response, CancellationToken.None, queuedFor).ConfigureAwait(false);
        return (record, response);
    }

    private void Ended(Lane lane, int count)
    {
        List<string>? start;
        lock (_lanes)
        {
            lane.Running -= count;
            start = TakeStartable(lane);
        }

        Run(lane, start);
    }

    private sealed class Lane(string app, string function)
    {
        public string App { get; } = app;

        public string Function { get; } = function;

        public Queue<string> Waiting { get; } = new();

        public int Running { get; set; }
    }
}
