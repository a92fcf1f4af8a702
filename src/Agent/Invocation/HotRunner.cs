using System.Text;
using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Pool;
using Fnagent.Processes;
using Microsoft.Extensions.Logging;

namespace Fnagent.Invocation;

/// <summary>
/// The hot formats over stdin/stdout, <c>json</c> and <c>http</c> (PROTOCOLS.md sections 3
/// and 4): a process from the function's pool serves the call, then goes back to the
/// pool, unless anything about the call leaves doubt about its state.
/// </summary>
public sealed class HotRunner(HotPools pools, AgentOptions options, TimeProvider time, ILogger<HotRunner> logger) : IFormatRunner
{
    /// <summary>Responses up to this size with a known length are read whole before the caller sees a status.</summary>
    public const int HoldBackBytes = 64 * 1024;

    private readonly JsonFormat _json = new(Limits(options));
    private readonly HttpFormat _http = new(Limits(options));

    public async Task<FunctionError?> RunAsync(Call call, ICallResponse response, CancellationToken callerAborted)
    {
        var function = call.Function;
        IFunctionFormat format = function.Format == FunctionFormat.Json ? _json : _http;
        using var deadline = new CancellationTokenSource(Remaining(call.Request.Deadline), time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, callerAborted);

        var pool = pools.For(function);
        HotProcess process;
        try
        {
            process = await AcquireCleanAsync(pool, format, call, stop.Token).ConfigureAwait(false);
        }
        catch (NoCapacityException e)
        {
            return new FunctionError(FunctionErrorKind.NoCapacity, e.Message);
        }
        catch (ProcessStartException e)
        {
            return new FunctionError(FunctionErrorKind.StartFailed, $"function failed to start: {e.Message}");
        }
        catch (Exception e) when (e is PoolRetiredException or ObjectDisposedException)
        {
            return new FunctionError(FunctionErrorKind.NoCapacity, "the function is being reloaded; retry");
        }
        catch (OperationCanceledException)
        {
            return Stopped(call, deadline, "waiting for a free process");
        }

        call.Record.Pid = process.Id;
        process.Current = call;
        var outcome = CallOutcome.Discard;
        FunctionError? error = null;
        try
        {
            // Deadline or caller gone: kill the process; every read and write below then ends.
            await using (stop.Token.Register(process.Kill).ConfigureAwait(false))
            {
                (outcome, error) = await ExchangeAsync(call, format, process, response, stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            error = stop.IsCancellationRequested ? Stopped(call, deadline, "mid-call") : await ExitedMidCallAsync(process).ConfigureAwait(false);
        }
        finally
        {
            await process.StderrCaughtUpAsync().ConfigureAwait(false);
            process.Current = null;
            if (outcome == CallOutcome.Retire)
            {
                _ = pool.RetireAsync(process).AsTask();
            }
            else
            {
                // A discarded process is killed and reaped before the caller hears of it.
                await pool.ReleaseAsync(process, outcome == CallOutcome.Reuse).ConfigureAwait(false);
            }
        }

        return error;
    }

    /// <summary>
    /// A process from the pool that wrote nothing since its last call: one that did
    /// (bytes after its response that arrived late) is discarded, never handed the next
    /// request (PROTOCOLS.md section 3).
    /// </summary>
    private async Task<HotProcess> AcquireCleanAsync(HotPool pool, IFunctionFormat format, Call call, CancellationToken stop)
    {
        while (true)
        {
            var process = await pool.AcquireAsync(QueueWait(call), stop).ConfigureAwait(false);
            var (clean, first) = await WroteNothingSinceLastCallAsync(process, format, stop).ConfigureAwait(false);
            if (clean)
            {
                return process;
            }

            logger.ProcessDiscarded(call.Function.App, call.Function.Name, call.Request.CallId, process.Id,
                "output between calls", Encoding.UTF8.GetString(first.Span));
            await pool.ReleaseAsync(process, reusable: false).ConfigureAwait(false);
        }
    }

    private static async Task<(bool Clean, ReadOnlyMemory<byte> First)> WroteNothingSinceLastCallAsync(HotProcess process, IFunctionFormat format, CancellationToken stop)
    {
        // Bytes the reader already pulled in...
        if (format.HasPendingBytes(process.Input, out var first))
        {
            return (false, first);
        }

        // ...then bytes still in the kernel's pipe (one poll, no read) ...
        if (!process.HasUnreadOutput)
        {
            return (true, default);
        }

        // ...which are pulled in (the read returns at once) and judged by the format's own
        // rule: whitespace between json objects is allowed, anything else is not.
        var result = await process.Input.ReadAsync(stop).ConfigureAwait(false);
        var ended = result.IsCompleted && result.Buffer.IsEmpty;
        process.Input.AdvanceTo(result.Buffer.Start, result.Buffer.Start);
        return ended ? (false, default) : format.HasPendingBytes(process.Input, out first) ? (false, first) : (true, default);
    }

    private async Task<(CallOutcome, FunctionError?)> ExchangeAsync(Call call, IFunctionFormat format, HotProcess process,
        ICallResponse response, CancellationToken stop)
    {
        // Request and response run side by side: an http function may answer while it
        // still reads its body.
        var write = WriteRequestAsync(format, call.Request, process, stop);
        var read = format.ReadResponseAsync(process.Input, stop).AsTask();
        if (await Task.WhenAny(write, read).ConfigureAwait(false) == write && write.Result is { } refused)
        {
            // The format refused the request before a byte reached the process (json: not
            // UTF-8, too large): stop waiting for an answer that cannot come.
            process.Input.CancelPendingRead();
            await read.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            var status = refused.Error == FormatError.BodyNotUtf8 ? FunctionErrorKind.UnsupportedBody : FunctionErrorKind.RequestTooLarge;
            // Only json's refusal is known to come before any byte; an http body cut off by
            // the size limit left a half-written request in the process.
            var untouched = refused.Error == FormatError.BodyNotUtf8 && read.Exception?.InnerException is null or OperationCanceledException;
            return (untouched ? CallOutcome.Reuse : CallOutcome.Discard, new FunctionError(status, refused.Message));
        }

        FunctionResponse answer;
        try
        {
            answer = await read.ConfigureAwait(false);
        }
        catch (FormatViolationException e)
        {
            return (CallOutcome.Discard, Violation(call, process, e));
        }

        // What the function logged before it answered belongs in the log before the caller
        // has the answer (a caller reading the log right after must find it).
        await process.StderrCaughtUpAsync().ConfigureAwait(false);
        await using (answer.ConfigureAwait(false))
        {
            if (format == _http && answer.ContentLength is > 0 and <= HoldBackBytes)
            {
                // Small answers are all or nothing: read whole before the status goes out,
                // so a function failing mid-body still gets its caller a clean 502.
                try
                {
                    var body = new byte[answer.ContentLength.Value];
                    await answer.Body.ReadExactlyAsync(body, stop).ConfigureAwait(false);
                    answer.Body = new MemoryStream(body, writable: false);
                }
                catch (FormatViolationException e)
                {
                    return (CallOutcome.Discard, Violation(call, process, e));
                }
            }

            await response.StartAsync(answer, stop).ConfigureAwait(false);
            try
            {
                await OutputRelay.CopyAsync(answer.Body, write, response.Body, process.PrivateDirectory, stop).ConfigureAwait(false);
            }
            catch (FormatViolationException e)
            {
                return (CallOutcome.Discard, Violation(call, process, e));
            }
        }

        if (await write.ConfigureAwait(false) is not null)
        {
            // The function answered before it had the whole request; what it did not read
            // would reach the next call.
            return (CallOutcome.Discard, null);
        }

        var trailing = answer.Violation;
        if (trailing is null && format.HasPendingBytes(process.Input, out var first))
        {
            trailing = new FormatViolationException(FormatError.TrailingBytes, null, first);
        }

        if (trailing is not null)
        {
            // The call that finished stands; the process never serves another (PROTOCOLS.md section 3).
            LogDiscard(call, process, trailing);
            return (CallOutcome.Discard, null);
        }

        return (answer.CloseRequested ? CallOutcome.Retire : CallOutcome.Reuse, null);
    }

    /// <summary>Writes the request; a request the format refuses is a value, not an exception.</summary>
    private static async Task<FormatViolationException?> WriteRequestAsync(IFunctionFormat format, FunctionRequest request, HotProcess process, CancellationToken stop)
    {
        try
        {
            await format.WriteRequestAsync(request, process.Output, stop).ConfigureAwait(false);
            return null;
        }
        catch (FormatViolationException e) when (e.Error is FormatError.BodyNotUtf8 or FormatError.RequestTooLarge)
        {
            return e;
        }
        catch (RequestTooLargeException e)
        {
            return new FormatViolationException(FormatError.RequestTooLarge, e.Message, limit: e.Limit);
        }
    }

    private FunctionError Violation(Call call, HotProcess process, FormatViolationException e)
    {
        LogDiscard(call, process, e);
        return new FunctionError(e.Error == FormatError.ResponseTooLarge ? FunctionErrorKind.ResponseTooLarge : FunctionErrorKind.ProtocolViolation, e.Message);
    }

    private void LogDiscard(Call call, HotProcess process, FormatViolationException e)
    {
        var first = Encoding.UTF8.GetString(e.FirstBytes.Span);
        call.Log.Append($"fnagent: {e.Message}{(e.Detail is null ? "" : $" ({e.Detail})")}; first bytes seen: {first}");
        logger.ProcessDiscarded(call.Function.App, call.Function.Name, call.Request.CallId, process.Id, e.Message, first);
    }

    private static async Task<FunctionError> ExitedMidCallAsync(HotProcess process)
    {
        var code = await process.Exited.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : (int?)null, TaskScheduler.Default).ConfigureAwait(false);
        return process.WasOutOfMemory
            ? new FunctionError(FunctionErrorKind.OutOfMemory, "function was killed: out of memory")
            : new FunctionError(FunctionErrorKind.Exited, code is { } c ? $"function exited mid-call with code {c}" : "function closed its output mid-call");
    }

    private static FunctionError Stopped(Call call, CancellationTokenSource deadline, string phase) => deadline.IsCancellationRequested
        ? new FunctionError(FunctionErrorKind.Timeout, $"function timed out after {call.Function.Timeout.TotalSeconds:0.###}s ({phase})")
        : new FunctionError(FunctionErrorKind.CallerGone, "caller went away");

    private TimeSpan QueueWait(Call call)
    {
        var left = Remaining(call.Request.Deadline);
        return options.Limits.QueueWait is { } wait && wait < left ? wait : left;
    }

    private TimeSpan Remaining(DateTimeOffset deadline)
    {
        var left = deadline - time.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static FormatLimits Limits(AgentOptions options) => new()
    {
        MaxResponseSize = options.Limits.MaxResponseBytes,
        MaxRequestSize = options.Limits.MaxResponseBytes,
    };

    private enum CallOutcome
    {
        Reuse,
        Retire,
        Discard,
    }
}
