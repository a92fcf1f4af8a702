namespace Fnagent.Invocation;

/// <summary>
/// When a call must stop: at its deadline or when its caller goes away, whichever comes
/// first, and which of the two it was. One per call, owned by its runner; dispose it when
/// the call ends. Thread-safe to read.
/// </summary>
public sealed class CallStop : IDisposable
{
    private readonly Call _call;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationTokenSource _stop;

    public CallStop(Call call, TimeProvider time, CancellationToken callerAborted)
    {
        _call = call;
        _time = time;
        _deadline = new CancellationTokenSource(Remaining, time);
        // The end of the shutdown grace stops the call like its deadline (docs/protocols.md §7: 503):
        // a hung call held the agent's exit and its caller got no answer at all.
        _stop = call.ShutdownGraceOver.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(_deadline.Token, callerAborted, call.ShutdownGraceOver)
            : CancellationTokenSource.CreateLinkedTokenSource(_deadline.Token, callerAborted);
    }

    /// <summary>Fires at the deadline or when the caller goes away.</summary>
    public CancellationToken Token => _stop.Token;

    public bool IsStopped => _stop.IsCancellationRequested;

    public bool DeadlinePassed => _deadline.IsCancellationRequested;

    /// <summary>What is left until the deadline (never negative).</summary>
    public TimeSpan Remaining => _call.Request.Deadline - _time.GetUtcNow() is { Ticks: > 0 } left ? left : TimeSpan.Zero;

    /// <summary>How long the call may wait in line for a process: the queue-wait setting, at most what is left.</summary>
    public TimeSpan QueueWait(AgentOptions options) =>
        options.Limits.QueueWait is { } wait && wait < Remaining ? wait : Remaining;

    /// <summary>
    /// The error of a call stopped while <paramref name="phase"/>: 504 at the deadline, 503
    /// when the agent's shutdown grace ran out, else the caller went away.
    /// </summary>
    public FunctionError Error(string? phase = null) => DeadlinePassed
        ? new FunctionError(FunctionErrorKind.Timeout,
            $"function timed out after {_call.Function.Timeout.TotalSeconds:0.###}s{(phase is null ? "" : $" ({phase})")}")
        : _call.ShutdownGraceOver.IsCancellationRequested
            ? new FunctionError(FunctionErrorKind.NoCapacity, "the agent is shutting down; the call was stopped at the end of its grace")
            : FunctionErrors.CallerGone;

    public void Dispose()
    {
        _stop.Dispose();
        _deadline.Dispose();
    }
}
