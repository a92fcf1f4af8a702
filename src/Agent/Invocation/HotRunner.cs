using System.Text;
using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Pool;
using Fnagent.Processes;
using Microsoft.Extensions.Logging;

namespace Fnagent.Invocation;

/// <summary>
/// The hot formats: <c>json</c> and <c>http</c> over stdin/stdout, <c>http-stream</c> over
/// the function's socket (docs/protocols.md §3–5). A process from the function's pool
/// serves the call, then goes back to the pool, unless anything about the call leaves
/// doubt about its state.
/// </summary>
public sealed partial class HotRunner(HotPools pools, AgentOptions options, TimeProvider time, ILogger<HotRunner> logger) : IFormatRunner
{
    /// <summary>Responses up to this size with a known length are read whole before the caller sees a status.</summary>
    public const int HoldBackBytes = 64 * 1024;

    private readonly JsonFormat _json = new(options.Limits.ForFormats());
    private readonly HttpFormat _http = new(options.Limits.ForFormats());
    private readonly HttpStreamFormat _httpStream = new(options.Limits.ForFormats());

    public async Task<FunctionError?> RunAsync(Call call, ICallResponse response, CancellationToken callerAborted)
    {
        var function = call.Function;
        IFunctionFormat format = function.Format switch
        {
            FunctionFormat.Json => _json,
            FunctionFormat.HttpStream => _httpStream,
            _ => _http,
        };
        using var stop = new CallStop(call, time, callerAborted);

        HotPool pool;
        HotProcess process;
        try
        {
            (pool, process) = await AcquireCleanAsync(pools.For(function), format, call, stop).ConfigureAwait(false);
        }
        catch (NoCapacityException e)
        {
            return new FunctionError(FunctionErrorKind.NoCapacity, e.Message);
        }
        catch (ProcessStartException e)
        {
            return new FunctionError(FunctionErrorKind.StartFailed, $"function failed to start: {e.Message}");
        }
        catch (FunctionStartException e)
        {
            return new FunctionError(e.TimedOut ? FunctionErrorKind.Timeout : FunctionErrorKind.StartFailed, e.Message);
        }
        catch (Exception e) when (e is PoolRetiredException or ObjectDisposedException)
        {
            return new FunctionError(FunctionErrorKind.NoCapacity, "the function is being reloaded; retry");
        }
        catch (OperationCanceledException)
        {
            return stop.Error("waiting for a free process");
        }

        call.Record.Pid = process.Id;
        process.Current = call;
        var outcome = CallOutcome.Discard;
        FunctionError? error = null;
        try
        {
            // Deadline or caller gone: kill the process; every read and write below then ends.
            await using (stop.Token.UnsafeRegister(static p => ((HotProcess)p!).Kill(), process).ConfigureAwait(false))
            {
                (outcome, error) = await ExchangeAsync(call, format, process, response, stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            error = stop.IsStopped ? stop.Error("mid-call") : await ExitedMidCallAsync(process).ConfigureAwait(false);
        }
        finally
        {
            await process.LogCaughtUpAsync().ConfigureAwait(false);
            process.Current = null;
            if (process.WroteOutsideAnswer && LateBytesAreTheFunctions(format))
            {
                pool.WritesLate = true;
            }

            if (outcome == CallOutcome.Retire)
            {
                pool.Track(pool.RetireAsync(process).AsTask());
            }
            else if (outcome == CallOutcome.Reuse && pool.WritesLate && options.Limits.QuietAfterAnswer > TimeSpan.Zero)
            {
                // Off the caller's path: the call is answered; its process serves no other
                // until it proved quiet (docs/protocols.md §3, late bytes).
                pool.Track(ReleaseWhenQuietAsync(pool, process, format, call));
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
    /// request (docs/protocols.md §3).
    /// </summary>
    private async ValueTask<(HotPool, HotProcess)> AcquireCleanAsync(HotPool pool, IFunctionFormat format, Call call, CallStop stop)
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
            if (!first.IsEmpty && LateBytesAreTheFunctions(format))
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

    /// <summary>
    /// Whether bytes outside an answer mark the function as one that writes late. Not over
    /// http-stream: there they come from the FDK's HTTP server, not the function's code (Node
    /// answers a connection idle past its headersTimeout with "408 Request Timeout"). The
    /// discard is enough for those; a hold-back after every answer left such a function
    /// 10 calls/s per process.
    /// </summary>
    private bool LateBytesAreTheFunctions(IFunctionFormat format) => format != _httpStream;

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

    private enum CallOutcome
    {
        Reuse,
        Retire,
        Discard,
    }
}
