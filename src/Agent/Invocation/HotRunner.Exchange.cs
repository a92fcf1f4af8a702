using System.Buffers;
using System.Text;
using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Pool;
using Fnagent.Processes;
using Microsoft.Extensions.Logging;

namespace Fnagent.Invocation;

/// <summary>One call's exchange with a hot process, and the facts it establishes for the process's fate.</summary>
public sealed partial class HotRunner
{
    private async Task<ExchangeFacts> ExchangeAsync(Call call, FormatRow row, IFunctionFormat format, HotProcess process,
        ICallResponse response, CancellationToken stop)
    {
        // Request and response run side by side: an http function may answer while it
        // still reads its body. The reader knows the request: the answer to a HEAD has no body.
        var write = WriteRequestAsync(format, call.Request, process, stop);
        var read = format.ReadResponseAsync(call.Request, process.Input, stop).AsTask();
        if ((write.IsCompleted || await Task.WhenAny(write, read).ConfigureAwait(false) == write) && await write.ConfigureAwait(false) is { } refused)
        {
            // The format refused the request (json: not UTF-8, too large) or the caller's body
            // broke off: stop waiting for an answer that cannot come.
            process.Input.CancelPendingRead();
            await ((Task)read).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            // Only json's refusal is known to come before any byte; an http body cut off by
            // the size limit or by its caller left a half-written request in the process.
            var untouched = refused.Kind == FunctionErrorKind.UnsupportedBody && read.Exception?.InnerException is null or OperationCanceledException;
            return new ExchangeFacts { Error = refused, Untouched = untouched };
        }

        FunctionResponse answer;
        try
        {
            answer = await read.ConfigureAwait(false);
        }
        catch (FormatViolationException e)
        {
            return new ExchangeFacts { Error = Violation(call, process, e) };
        }

        // What the function logged before it answered belongs in the log before the caller
        // has the answer (a caller reading the log right after must find it).
        await process.LogCaughtUpAsync().ConfigureAwait(false);
        if (answer.Kind != ResponseKind.Answer)
        {
            // The runtime's report about the call, read to its end unless it is a timeout. Only a
            // failure the runtime lives on can let the process serve again: the request must then
            // be all in (docs/protocols.md §5).
            var reported = Reported(call, row, process, answer);
            return new ExchangeFacts
            {
                Error = reported,
                AnswerWhole = answer.Kind != ResponseKind.TimedOut,
                RequestWhole = reported.KeepsProcess ? await write.ConfigureAwait(false) is null : write is { IsCompletedSuccessfully: true, Result: null },
            };
        }

        byte[]? held = null;
        await using (answer.ConfigureAwait(false))
        {
            try
            {
                // A response that names a length but has no body (a HEAD's, a 304's) has nothing to hold.
                if (row.HoldsBackSmallAnswers && answer.ContentLength is > 0 and <= HoldBackBytes && answer.Body != Stream.Null)
                {
                    // Small answers are all or nothing: read whole (into a pooled buffer) before
                    // the status goes out, so a function failing mid-body still gets its caller a clean 502.
                    try
                    {
                        var length = (int)answer.ContentLength.Value;
                        held = ArrayPool<byte>.Shared.Rent(length);
                        await answer.Body.ReadExactlyAsync(held.AsMemory(0, length), stop).ConfigureAwait(false);
                        answer.Body = new MemoryStream(held, 0, length, writable: false);
                    }
                    catch (FormatViolationException e)
                    {
                        return new ExchangeFacts { Error = Violation(call, process, e) };
                    }
                }

                await response.StartAsync(answer, stop).ConfigureAwait(false);
                try
                {
                    await OutputRelay.CopyAsync(answer.Body, write, response.Body, process.PrivateDirectory, stop).ConfigureAwait(false);
                }
                catch (FormatViolationException e)
                {
                    return new ExchangeFacts { Error = Violation(call, process, e) };
                }
            }
            finally
            {
                // The caller's response has copied what it was given by now.
                if (held is not null)
                {
                    ArrayPool<byte>.Shared.Return(held);
                }
            }
        }

        if (await write.ConfigureAwait(false) is { } unwritten)
        {
            // The function answered before it had the whole request. A body its caller cut
            // short still fails the call; a refusal of what it did not need does not.
            return new ExchangeFacts
            {
                Error = unwritten.Kind is FunctionErrorKind.RequestBodyIncomplete or FunctionErrorKind.RequestBodyTimeout or FunctionErrorKind.CallerGone ? unwritten : null,
                AnswerWhole = true,
            };
        }

        var trailing = answer.Violation;
        if (trailing is null && format.HasPendingBytes(process.Input, out var first))
        {
            trailing = new FormatViolationException(FormatError.TrailingBytes, null, first);
        }

        if (trailing is not null)
        {
            // The call that finished stands (docs/protocols.md §3).
            LogDiscard(call, process, trailing);
        }

        return new ExchangeFacts
        {
            RequestWhole = true,
            AnswerWhole = true,
            WroteOutsideAnswer = trailing is not null,
            CloseRequested = answer.CloseRequested,
        };
    }

    /// <summary>
    /// Writes the request; a request the format refuses, or a body that broke off (too
    /// large, cut short, too slow, its caller gone), is a value, not an exception.
    /// </summary>
    private static async Task<FunctionError?> WriteRequestAsync(IFunctionFormat format, FunctionRequest request, HotProcess process, CancellationToken stop)
    {
        try
        {
            await format.WriteRequestAsync(request, process.Output, stop).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is FormatViolationException or RequestTooLargeException or RequestBodyIncompleteException)
        {
            return FunctionErrors.From(e);
        }
    }

    private FunctionError Violation(Call call, HotProcess process, FormatViolationException e)
    {
        LogDiscard(call, process, e);
        return FunctionErrors.Of(e);
    }

    private void LogDiscard(Call call, HotProcess process, FormatViolationException e)
    {
        process.WroteOutsideAnswer |= e.Error is FormatError.TrailingBytes or FormatError.InvalidJson or FormatError.InvalidHttp;
        var first = Encoding.UTF8.GetString(e.FirstBytes.Span);
        call.Log.Append($"fnagent: {e.Message}{(e.Detail is null ? "" : $" ({e.Detail})")}; first bytes seen: {first}");
        logger.ProcessDiscarded(call.Function.App, call.Function.Name, call.Request.CallId, process.Id, e.Message, first);
    }

    private static async Task<FunctionError> ExitedMidCallAsync(HotProcess process)
    {
        var code = await process.Exited.ResultOrAsync(TimeSpan.FromSeconds(2), -1).ConfigureAwait(false);
        return await process.ExceededLimitAsync().ConfigureAwait(false) is { } limit
            ? new FunctionError(FunctionErrorKind.OverLimit, $"function was killed: {limit}")
            : new FunctionError(FunctionErrorKind.Exited, code >= 0 ? $"function exited mid-call with code {code}" : "function closed its output mid-call");
    }

}
