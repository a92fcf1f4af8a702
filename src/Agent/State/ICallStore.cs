namespace Fnagent.State;

/// <summary>
/// Recent calls and their logs. Thread-safe. Keeps at most a configured number of calls;
/// the oldest record and its log go first.
/// </summary>
public interface ICallStore
{
    /// <summary>Registers a call that is starting and opens its log.</summary>
    CallLog Begin(CallRecord record);

    bool TryGet(string callId, out CallRecord record);

    /// <summary>The call's log as text, or null when the call is unknown. Empty when it logged nothing.</summary>
    string? ReadLog(string callId);
}
