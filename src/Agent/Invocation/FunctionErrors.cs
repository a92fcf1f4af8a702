using Fnagent.Formats;
using Fnagent.Pool;
using Fnagent.Processes;

namespace Fnagent.Invocation;

/// <summary>
/// The one way an exception becomes a <see cref="FunctionError"/>, for every runner and the
/// invoker; its kind then decides the caller's status (<see cref="FunctionError.Status"/>,
/// docs/protocols.md §7). Pure and thread-safe.
/// </summary>
public static class FunctionErrors
{
    /// <summary>The caller went away; nobody hears the answer.</summary>
    public static FunctionError CallerGone { get; } = new(FunctionErrorKind.CallerGone, "caller went away");

    private static readonly FunctionError Reloading = new(FunctionErrorKind.NoCapacity, "the function is being reloaded; retry");

    /// <summary>
    /// The error <paramref name="e"/> means for a call in <paramref name="phase"/>, or null when it
    /// says nothing by itself: a broken pipe, connection or disposed process while the call was
    /// not stopped, which only the runner can explain (the process exited, ran out of memory).
    /// </summary>
    /// <param name="e">What was thrown.</param>
    /// <param name="stop">The call's stop, when it has one yet: once it fired, what breaks is its doing.</param>
    /// <param name="phase">
    /// Where the call was. While it waits, a disposed pool or slot means a reload retired it, and
    /// a cancellation is the stop's.
    /// </param>
    public static FunctionError? From(Exception e, CallStop? stop = null, CallPhase phase = CallPhase.MidCall) => e switch
    {
        RequestBodyIncompleteException incomplete => incomplete.Error,
        RequestTooLargeException => new(FunctionErrorKind.RequestTooLarge, e.Message),
        FormatViolationException violation => Of(violation),
        NoCapacityException => new(FunctionErrorKind.NoCapacity, e.Message),
        ProcessStartException => new(FunctionErrorKind.StartFailed, $"function failed to start: {e.Message}"),
        FunctionStartException start => new(start.TimedOut ? FunctionErrorKind.Timeout : FunctionErrorKind.StartFailed, e.Message),
        PoolRetiredException => Reloading,
        ObjectDisposedException when phase != CallPhase.MidCall => Reloading,
        OperationCanceledException when stop is not null && phase != CallPhase.MidCall => stop.Error(Describe(phase)),
        OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException or HttpRequestException
            when stop is { IsStopped: true } => stop.Error(Describe(phase)),
        _ => null,
    };

    /// <summary>What a function's output (or a request for it) that broke its format means for the call.</summary>
    public static FunctionError Of(FormatViolationException violation) => new(violation.Error switch
    {
        FormatError.BodyNotUtf8 => FunctionErrorKind.UnsupportedBody,
        FormatError.RequestTooLarge => FunctionErrorKind.RequestTooLarge,
        FormatError.ResponseTooLarge => FunctionErrorKind.ResponseTooLarge,
        _ => FunctionErrorKind.ProtocolViolation,
    }, violation.Message);

    /// <summary>
    /// An exception a runner let through to the invoker: a broken-off body is still the
    /// caller's error; else the caller went away, or the agent itself failed.
    /// </summary>
    public static FunctionError Escaped(Exception e, bool callerGone) => e switch
    {
        RequestBodyIncompleteException incomplete => incomplete.Error,
        _ when callerGone => CallerGone,
        _ => new(FunctionErrorKind.Exited, $"internal error: {e.Message}"),
    };

    private static string Describe(CallPhase phase) => phase switch
    {
        CallPhase.WaitingForProcess => "waiting for a free process",
        CallPhase.WaitingForFunction => "waiting for the function",
        _ => "mid-call",
    };
}
