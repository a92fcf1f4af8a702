using System.Diagnostics;
using System.Text;
using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Pool;
using Microsoft.Extensions.Logging;

namespace Fnagent.Invocation;

/// <summary>
/// The hot formats: those whose catalog row names this runner (docs/protocols.md §3–5;
/// <see cref="FunctionFormats"/>). A process from the function's pool serves the call through
/// its format's codec, then goes back to the pool, unless anything about the call leaves
/// doubt about its state (<see cref="ExchangeFacts.Fate"/>).
/// </summary>
/// <remarks>
/// The steps of a call:
/// 1. Take a process from the function's pool that wrote nothing since its last call.
/// 2. Exchange request and answer with it (HotRunner.Exchange.cs), establishing the facts.
/// 3. Decide its fate from the facts, and reuse, retire or discard it accordingly.
/// </remarks>
public sealed partial class HotRunner(HotPools pools, FormatCodecs codecs, AgentOptions options, TimeProvider time, ILogger<HotRunner> logger) : IFormatRunner
{
    /// <summary>Responses up to this size with a known length are read whole before the caller sees a status (<see cref="FormatRow.HoldsBackSmallAnswers"/>).</summary>
    public const int HoldBackBytes = 64 * 1024;

    public async Task<FunctionError?> RunAsync(Call call, ICallResponse response, CancellationToken callerAborted)
    {
        var function = call.Function;
        var row = FunctionFormats.Of(function.Format);
        var format = codecs.For(function.Format);
        using var stop = new CallStop(call, time, callerAborted);

        // Step 1.
        HotPool pool;
        HotProcess process;
        var since = Stopwatch.GetTimestamp();
        try
        {
            (pool, process) = await AcquireCleanAsync(pools.For(function), row, format, call, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (FunctionErrors.From(e, stop, CallPhase.WaitingForProcess) is { } failed)
        {
            return failed;
        }

        call.Placed(since, cold: process.TakesFirstCall());
        call.Record.Pid = process.Id;
        process.Current = call;
        var facts = default(ExchangeFacts);
        FunctionError? error = null;
        try
        {
            // Step 2. Deadline or caller gone: kill the process; every read and write below then ends.
            await using (stop.Token.UnsafeRegister(static p => ((HotProcess)p!).Kill(), process).ConfigureAwait(false))
            {
                facts = await ExchangeAsync(call, row, format, process, response, stop.Token).ConfigureAwait(false);
                error = facts.Error;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            error = FunctionErrors.From(e, stop) ?? await ExitedMidCallAsync(process).ConfigureAwait(false);
        }
        finally
        {
            await process.LogCaughtUpAsync().ConfigureAwait(false);
            process.Current = null;
            if (process.WroteOutsideAnswer && row.LateBytesAreTheFunctions)
            {
                pool.WritesLate = true;
            }

            // Step 3.
            var fate = facts.Fate;
            if (fate == ProcessFate.Retire)
            {
                pool.Track(pool.RetireAsync(process).AsTask());
            }
            else if (fate == ProcessFate.Reuse && pool.WritesLate && options.Limits.QuietAfterAnswer > TimeSpan.Zero)
            {
                // Off the caller's path: the call is answered; its process serves no other
                // until it proved quiet (docs/protocols.md §3, late bytes).
                pool.Track(ReleaseWhenQuietAsync(pool, process, format, call));
            }
            else
            {
                // A discarded process is killed and reaped before the caller hears of it.
                await pool.ReleaseAsync(process, fate == ProcessFate.Reuse).ConfigureAwait(false);
            }
        }

        return error;
    }

    /// <summary>
    /// A process from the pool that wrote nothing since its last call: one that did
    /// (bytes after its response that arrived late) is discarded, never handed the next
    /// request (docs/protocols.md §3).
    /// </summary>
    private async ValueTask<(HotPool, HotProcess)> AcquireCleanAsync(HotPool pool, FormatRow row, IFunctionFormat format, Call call, CallStop stop)
    {
        while (true)
        {
            HotProcess process;
            try
            {
                process = await pool.AcquireAsync(stop.QueueWait(options), call, stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PoolRetiredException or ObjectDisposedException && pools.Successor(pool) is { } next)
            {
                // A reload retired the pool while the call waited in its line (or just before
                // it took a process): the call moves to the pool of the new definition.
                pool = next;
                continue;
            }

            var (clean, first) = await WroteNothingSinceLastCallAsync(process, format, stop.Token).ConfigureAwait(false);
            if (clean)
            {
                return (pool, process);
            }

            logger.ProcessDiscarded(call.Function.App, call.Function.Name, call.Request.CallId, process.Id,
                "output between calls", Encoding.UTF8.GetString(first.Span));
            // A process that hung up or died between calls wrote nothing late.
            if (!first.IsEmpty && row.LateBytesAreTheFunctions)
            {
                pool.WritesLate = true;
            }

            await pool.ReleaseAsync(process, reusable: false).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Releases a process of a function known to write late only after it stayed quiet for
    /// <see cref="LimitOptions.QuietAfterAnswer"/>: bytes it writes meanwhile (a thread or
    /// child answering "later") discard it before another call can read them as its
    /// answer, or choke on them. Never throws.
    /// </summary>
    private async Task ReleaseWhenQuietAsync(HotPool pool, HotProcess process, IFunctionFormat format, Call call)
    {
        var clean = false;
        try
        {
            await Task.Delay(options.Limits.QuietAfterAnswer, time).ConfigureAwait(false);
            ReadOnlyMemory<byte> first;
            (clean, first) = await WroteNothingSinceLastCallAsync(process, format, CancellationToken.None).ConfigureAwait(false);
            if (!clean)
            {
                logger.ProcessDiscarded(call.Function.App, call.Function.Name, call.Request.CallId, process.Id,
                    "output after its answer", Encoding.UTF8.GetString(first.Span));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }

        await pool.ReleaseAsync(process, clean).ConfigureAwait(false);
    }

    private static async ValueTask<(bool Clean, ReadOnlyMemory<byte> First)> WroteNothingSinceLastCallAsync(HotProcess process, IFunctionFormat format, CancellationToken stop)
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
}
