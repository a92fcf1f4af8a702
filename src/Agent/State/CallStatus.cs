namespace Fnagent.State;

/// <summary>Where a call stands.</summary>
public enum CallStatus
{
    Running,
    Success,
    Error,
    Timeout,
    Cancelled,
}
