namespace Fnagent.Sonr;

/// <summary>How a Sonr function's output is delivered to its callback (settings <c>Callbacks:*</c>; docs/protocols.md §9).</summary>
public sealed class CallbackOptions
{
    /// <summary>The wait after the first failed attempt; each next wait doubles, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long after its first attempt a callback is tried: past it, it has failed.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one attempt may take, connecting included.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most attempts made at once, to every callback together.</summary>
    public int MaxConcurrentAttempts { get; set; } = 16;
}
