using System.Diagnostics;
using Fnagent.Pool;

namespace Fnagent.Invocation;

/// <summary>
/// Admission of cold calls: at most <c>max_concurrency</c> processes of a function at once,
/// the rest wait in line (first come, first served) for the queue wait, then get the same
/// 503 + <c>Retry-After</c> as a hot call that found no free process (docs/protocols.md §7).
/// </summary>
public sealed partial class ColdRunner
{
    /// <summary>
    /// Runs one call. Steps: 1. take a place among the function's calls in flight, waiting
    /// in line if all are taken; 2. run the process (<see cref="RunAdmittedAsync"/>); 3. give
    /// the place back once the process is gone. Without limiters (<c>fnagent bench</c>'s
    /// local cold run, whose own concurrency is the point) every call runs at once.
    /// </summary>
    public async Task<FunctionError?> RunAsync(Call call, ICallResponse response, CancellationToken callerAborted)
    {
        var since = Stopwatch.GetTimestamp();
        if (limiters is null)
        {
            call.Placed(since, cold: true);
            return await RunAdmittedAsync(call, response, callerAborted).ConfigureAwait(false);
        }

        // Step 1: a free place costs one lock; only a call that must wait pays for a timer.
        var limiter = limiters.For(call.Function);
        if (!limiter.TryEnter() && await WaitInLineAsync(limiter, call, callerAborted).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        call.Placed(since, cold: true);

        try
        {
            // Step 2.
            return await RunAdmittedAsync(call, response, callerAborted).ConfigureAwait(false);
        }
        finally
        {
            // Step 3: RunAdmittedAsync returns after the process was reaped.
            limiter.Exit();
        }
    }

    /// <summary>Null once the call holds a place; else why it never got one.</summary>
    private async Task<FunctionError?> WaitInLineAsync(ColdLimiter limiter, Call call, CancellationToken callerAborted)
    {
        using var stop = new CallStop(call, time, callerAborted);
        try
        {
            await limiter.EnterAsync(stop.QueueWait(options), stop.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (FunctionErrors.From(e, stop, CallPhase.WaitingForProcess) is { } refused)
        {
            return refused;
        }
    }
}
