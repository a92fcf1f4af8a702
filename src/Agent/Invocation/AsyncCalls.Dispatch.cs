using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.State;

namespace Fnagent.Invocation;

/// <summary>
/// The dispatcher: one lane per function, holding the ids of its queued calls in the order
/// they came. A lane starts calls while fewer than the function's <c>async_concurrency</c>
/// run; a call's start is recorded once it has its place, before its process gets it
/// (<see cref="AsyncQueue.Started"/>). A lane whose function
/// is not loaded (removed, or its func.yml broken) waits until it is.
/// </summary>
public sealed partial class AsyncCalls
{
    /// <summary>How long a lane waits before it tries again after the database refused a claim, or no place was free.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>How long a completion the database refuses is tried again before the call's record is given up.</summary>
    private static readonly TimeSpan CompletionPersistence = TimeSpan.FromMinutes(1);

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
        registry.Changed -= Resume;
        await _work.DrainAsync(options.Limits.ShutdownGrace + AgentShutdown.AnswerMargin).ConfigureAwait(false);
        queue?.Dispose();
    }

    private void Dispatch(string app, string name, IReadOnlyList<string> callIds)
    {
        Task<Task>? start;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue((app, name), out var lane))
            {
                _lanes[(app, name)] = lane = new Lane(app, name);
            }

            foreach (var callId in callIds)
            {
                lane.Waiting.Enqueue(callId);
            }

            start = TakeStartable(lane);
        }

        start?.RunSynchronously();
    }

    /// <summary>The registry changed: lanes whose function is back start their calls.</summary>
    private void Resume()
    {
        List<Task<Task>> starts = [];
        lock (_lanes)
        {
            foreach (var lane in _lanes.Values)
            {
                if (TakeStartable(lane) is { } start)
                {
                    starts.Add(start);
                }
            }
        }

        starts.ForEach(start => start.RunSynchronously());
    }

    /// <summary>
    /// Under the lock: the calls the lane may start now, counted as running and tracked
    /// before the lock is released (a drain cannot miss them); the caller starts the work.
    /// </summary>
    private Task<Task>? TakeStartable(Lane lane)
    {
        if (_stopped || Find(lane.App, lane.Function) is not { } function)
        {
            return null;
        }

        List<string>? callIds = null;
        while (lane.Running < function.AsyncConcurrency && lane.Waiting.TryDequeue(out var callId))
        {
            (callIds ??= []).Add(callId);
            lane.Running++;
        }

        return callIds is null ? null : _work.Prepare(() => RunAsync(lane, callIds));
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
            // Still queued in the file: tried again in a moment, first in line.
            logger.AsyncClaimFailed(lane.App, lane.Function, callIds.Count, e.Message);
            await Task.Delay(RetryDelay, time).ConfigureAwait(false);
            Requeue(lane, callIds, placesHeld: callIds.Count);
            return;
        }

        // An id no longer queued (ended or claimed meanwhile) gives its place back at once.
        Ended(lane, callIds.Count - claimed.Count);
        await Task.WhenAll(claimed.Select(call => RunOneAsync(lane, call))).ConfigureAwait(false);
    }

    private async Task RunOneAsync(Lane lane, AsyncRequest call)
    {
        Task completion;
        CallRecord record;
        try
        {
            AsyncCallResponse response;
            (record, response) = await InvokeAsync(call).ConfigureAwait(false);
            if (response.Error is { Kind: FunctionErrorKind.NoCapacity })
            {
                // It never reached a process: back to the queue, not failed (and never shown failed).
                (record.Status, record.HttpStatus, record.Error, record.EndedAt) = (CallStatus.Queued, null, null, null);
                await ReleaseAsync(lane, call, record).ConfigureAwait(false);
                return;
            }

            _ending[call.CallId] = response;
            completion = queue!.CompleteAsync(record, response.Output, response.ContentType, response.Total);
        }
        finally
        {
            // The place is given back once the completion is queued, not committed: the
            // writer commits in order, so the next call's claim shares the completion's commit.
            Ended(lane, 1);
        }

        await PersistAsync(call, record, completion).ConfigureAwait(false);
    }

    /// <summary>A completion the database refused is tried again, for a while; the record stays served from memory meanwhile.</summary>
    private async Task PersistAsync(AsyncRequest call, CallRecord record, Task completion)
    {
        var deadline = time.GetUtcNow() + CompletionPersistence;
        while (true)
        {
            try
            {
                await completion.ConfigureAwait(false);
                queue!.Forget(record);
                _ending.TryRemove(call.CallId, out _);
                CallEnded?.Invoke(call.CallId);
                return;
            }
            catch (CallDatabaseException e) when (time.GetUtcNow() < deadline)
            {
                logger.AsyncOutputNotStored(call.App, call.Function, call.CallId, e.Message + "; tried again shortly");
                await Task.Delay(RetryDelay, time).ConfigureAwait(false);
                completion = queue!.CompleteAsync(record, ReadOnlyMemory<byte>.Empty, null, 0);
            }
            catch (CallDatabaseException e)
            {
                // Given up: the next start finds the call running and settles it by its retries.
                logger.AsyncOutputNotStored(call.App, call.Function, call.CallId, e.Message);
                queue!.Forget(record);
                _ending.TryRemove(call.CallId, out _);
                return;
            }
        }
    }

    private async Task ReleaseAsync(Lane lane, AsyncRequest call, CallRecord attempt)
    {
        // Its row never left the queue; only its start is taken back, and the attempt's
        // record leaves memory (the row says queued).
        queue!.Release(call.CallId);
        queue.Forget(attempt);

        // Its place is held a moment longer (given back by the caller): a pause before the retry.
        await Task.Delay(RetryDelay, time).ConfigureAwait(false);
        Requeue(lane, [call.CallId], placesHeld: 0);
    }

    private async Task<(CallRecord Record, AsyncCallResponse Response)> InvokeAsync(AsyncRequest call)
    {
        var response = new AsyncCallResponse(options.Limits.MaxAsyncOutputBytes);
        if (Find(call.App, call.Function) is not { } function)
        {
            return await Failed(call, response, new FunctionError(FunctionErrorKind.NotFound, $"no function {call.Function} in app {call.App} any more"))
                .ConfigureAwait(false);
        }

        try
        {
            var headers = new FunctionHeaders();
            foreach (var (name, values) in call.Headers)
            {
                foreach (var value in values)
                {
                    headers.Add(name, value);
                }
            }

            // A Sonr function's input is the content its target names, not the stored body.
            var (input, inputError) = inputs is null ? (null, null) : await inputs.OpenAsync(function, call.Target, CancellationToken.None).ConfigureAwait(false);
            if (inputError is not null)
            {
                return await Failed(call, response, inputError).ConfigureAwait(false);
            }

            await using (input)
            {
                using var stored = new MemoryStream(call.Body, writable: false);
                var request = invoker.NewRequest(function, call.Method, call.RequestUrl, call.Target, headers, input?.Length ?? call.Body.Length,
                    input?.Body ?? stored, call.CallId);
                var queuedFor = time.GetUtcNow() - (CallId.TimeOf(call.CallId) ?? time.GetUtcNow());
                var record = await invoker.InvokeAsync(function, request, response, CancellationToken.None, queuedFor, queue!.Started, input?.Additions)
                    .ConfigureAwait(false);
                return (record, response);
            }
        }
        catch (Exception e)
        {
            // Every call ends with a record, even one the agent itself failed.
            return await Failed(call, response, new FunctionError(FunctionErrorKind.Exited, $"internal error: {e.Message}")).ConfigureAwait(false);
        }
    }

    private async Task<(CallRecord, AsyncCallResponse)> Failed(AsyncRequest call, AsyncCallResponse response, FunctionError error)
    {
        await response.WriteErrorAsync(error, CancellationToken.None).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return (new CallRecord
        {
            CallId = call.CallId, App = call.App, Function = call.Function, Route = "", StartedAt = now, EndedAt = now,
            Type = "async", Status = CallStatus.Error, HttpStatus = error.Status, Error = error.Message,
        }, response);
    }

    /// <summary>Calls that did not start go back to the front of their lane, in order, giving back <paramref name="placesHeld"/> places.</summary>
    private void Requeue(Lane lane, List<string> callIds, int placesHeld)
    {
        Task<Task>? start;
        lock (_lanes)
        {
            lane.Running -= placesHeld;
            var after = lane.Waiting.ToList();
            lane.Waiting.Clear();
            foreach (var callId in callIds.Concat(after))
            {
                lane.Waiting.Enqueue(callId);
            }

            start = TakeStartable(lane);
        }

        start?.RunSynchronously();
    }

    private void Ended(Lane lane, int count)
    {
        Task<Task>? start;
        lock (_lanes)
        {
            lane.Running -= count;
            start = TakeStartable(lane);
        }

        start?.RunSynchronously();
    }

    private sealed class Lane(string app, string function)
    {
        public string App { get; } = app;

        public string Function { get; } = function;

        public Queue<string> Waiting { get; } = new();

        public int Running { get; set; }
    }
}
