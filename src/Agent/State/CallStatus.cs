namespace Fnagent.State;

/// <summary>Where a call stands.</summary>
public enum CallStatus
{
    /// <summary>An async call accepted and waiting for its turn.</summary>
    Queued,
    Running,
    Success,
    Error,
    Timeout,
    Cancelled,
}
