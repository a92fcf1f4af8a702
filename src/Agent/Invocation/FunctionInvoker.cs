using System.Diagnostics;
using Fnagent.Builds;
using Fnagent.Direktiv;
using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.State;
using Microsoft.Extensions.Logging;

namespace Fnagent.Invocation;

/// <summary>
/// Runs one call end to end: opens its record and log, hands it to the runner of its
/// format, and turns the outcome into the caller's answer and the call's record.
/// </summary>
public sealed class FunctionInvoker(ICallStore calls, FunctionBuilds builds, ColdRunner cold, HotRunner hot, DirektivRunner direktiv,
    AgentShutdown shutdown, TimeProvider time, ILogger<FunctionInvoker> logger)
{
    /// <summary>The runner of a format, as its catalog row names it (<see cref="FunctionFormats"/>).</summary>
    private IFormatRunner RunnerOf(FunctionDefinition function) => FunctionFormats.Of(function.Format).Runner switch
    {
        FormatRunner.Cold => cold,
        FormatRunner.Hot => hot,
        FormatRunner.Direktiv => direktiv,
        var other => throw new ArgumentOutOfRangeException(nameof(function), other, "unknown runner"),
    };

    /// <summary>
    /// A new request for <paramref name="function"/> with its deadline set, and a new call id
    /// unless it has one (an async call keeps the id its caller was given).
    /// </summary>
    public FunctionRequest NewRequest(FunctionDefinition function, string method, string requestUrl, string target,
        FunctionHeaders headers, long? contentLength, Stream body, string? callId = null)
    {
        var now = time.GetUtcNow();
        return new FunctionRequest
        {
            CallId = callId ?? CallId.New(now),
            Method = method,
            RequestUrl = requestUrl,
            Target = target,
            Deadline = now + function.Timeout,
            Headers = headers,
            ContentLength = contentLength,
            Body = body,
        };
    }

    /// <summary>Runs the call; its record, as kept, once it ended.</summary>
    /// <param name="queuedFor">For an async call, how long it waited in the queue; null for a sync call.</param>
    /// <param name="placed">For an async call, told its id once it has its process, before the process gets it.</param>
    /// <param name="additions">What the call adds to its cold process's start (<see cref="Call.Additions"/>).</param>
    public async Task<CallRecord> InvokeAsync(FunctionDefinition function, FunctionRequest request, ICallResponse response,
        CancellationToken callerAborted, TimeSpan? queuedFor = null, Action<string>? placed = null, Processes.LaunchAdditions? additions = null)
    {
        var started = Stopwatch.GetTimestamp();
        var record = new CallRecord
        {
            CallId = request.CallId,
            App = function.App,
            Function = function.Name,
            Route = function.Route,
            StartedAt = time.GetUtcNow(),
            Type = queuedFor is null ? "sync" : "async",
            QueueWait = queuedFor,
        };

        var log = calls.Begin(record);
        try
        {
            var call = new Call(function, request, record, log, logger) { ShutdownGraceOver = shutdown.GraceOver, OnPlaced = placed, Additions = additions };
            FunctionError? error;
            try
            {
                error = await EnsureBuiltAsync(call, callerAborted).ConfigureAwait(false)
                    ?? await RunnerOf(function).RunAsync(call, response, callerAborted).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || callerAborted.IsCancellationRequested)
            {
                // A runner that let a broken-off body through: still the caller's error, not ours.
                error = FunctionErrors.Escaped(e, callerAborted.IsCancellationRequested);
            }

            if (error is { Kind: FunctionErrorKind.RequestBodyIncomplete } && callerAborted.IsCancellationRequested)
            {
                // Kestrel drops a connection its caller closed or reset mid-body: nobody hears
                // the 400. The message still says how much of the body came.
                error = error with { Kind = FunctionErrorKind.CallerGone };
            }

            if (error is null)
            {
                record.Status = CallStatus.Success;
                record.HttpStatus ??= 200;
            }
            else
            {
                await FailAsync(call, response, error).ConfigureAwait(false);
            }
        }
        finally
        {
            // The record is kept as it stands now: every field is set.
            record.EndedAt = time.GetUtcNow();
            calls.Finish(record, log);
        }

        logger.CallFinished(function.App, function.Name, request.CallId, request.Method, record.HttpStatus ?? 0,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return record;
    }

    /// <summary>A function with a <c>build</c> waits for it, at most until its deadline.</summary>
    private async Task<FunctionError?> EnsureBuiltAsync(Call call, CancellationToken callerAborted)
    {
        if (call.Function.Build is null)
        {
            return null;
        }

        using var stop = new CallStop(call, time, callerAborted);
        return await builds.EnsureBuiltAsync(call.Function, call.Log, stop.Token).ConfigureAwait(false) is { } failure
            ? new FunctionError(failure.StillBuilding ? FunctionErrorKind.Timeout : FunctionErrorKind.StartFailed, failure.Message)
            : null;
    }

    private async Task FailAsync(Call call, ICallResponse response, FunctionError error)
    {
        var record = call.Record;
        record.Status = error.Kind switch
        {
            FunctionErrorKind.Timeout => CallStatus.Timeout,
            FunctionErrorKind.CallerGone => CallStatus.Cancelled,
            _ => CallStatus.Error,
        };
        record.Error = error.Message;
        logger.CallFailed(call.Function.App, call.Function.Name, call.Request.CallId, error.Kind, error.Message);
        call.Log.Append($"fnagent: {error.Message}");

        if (error.Kind == FunctionErrorKind.CallerGone)
        {
            record.HttpStatus = error.Status;
            response.Abort();
        }
        else if (response.HasStarted)
        {
            // Too late for a status: break the response so it cannot pass for complete.
            response.Abort();
        }
        else
        {
            record.HttpStatus = error.Status;
            try
            {
                await response.WriteErrorAsync(error, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
            {
                // The caller is gone; the record already holds the error.
            }
        }
    }
}
