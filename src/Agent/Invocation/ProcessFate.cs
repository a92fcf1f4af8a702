namespace Fnagent.Invocation;

/// <summary>What becomes of a hot process after a call; decided in one place, <see cref="ExchangeFacts.Fate"/>.</summary>
public enum ProcessFate
{
    /// <summary>Back to its pool, to serve the next call.</summary>
    Reuse,

    /// <summary>Retired gracefully: end of input, a grace period, then a kill.</summary>
    Retire,

    /// <summary>Killed and reaped before the caller hears of the call.</summary>
    Discard,
}
