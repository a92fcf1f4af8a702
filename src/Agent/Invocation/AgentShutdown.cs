namespace Fnagent.Invocation;

/// <summary>
/// The end of the shutdown grace: from SIGTERM, calls in flight get
/// <see cref="LimitOptions.ShutdownGrace"/> to finish; then every call still running is
/// stopped like at its deadline (its process tree killed) and answered 503, while the
/// host still has <see cref="AnswerMargin"/> to send those answers. Before, a hung call
/// held the agent past the grace and its caller got a dropped connection, no status.
/// One per agent; thread-safe.
/// </summary>
public sealed class AgentShutdown : IDisposable
{
    /// <summary>How long after the grace the host waits for the last answers before it drops connections.</summary>
    public static readonly TimeSpan AnswerMargin = TimeSpan.FromSeconds(3);

    private readonly CancellationTokenSource _graceOver;

    public AgentShutdown(TimeProvider time) => _graceOver = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);

    /// <summary>Fires when the shutdown grace is over: every call still in flight stops.</summary>
    public CancellationToken GraceOver => _graceOver.Token;

    /// <summary>Starts the grace (the agent was asked to stop). Idempotent.</summary>
    public void Begin(TimeSpan grace)
    {
        try
        {
            _graceOver.CancelAfter(grace);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose() => _graceOver.Dispose();
}
