namespace Fnagent.State;

/// <summary>
/// Recent calls and their logs. Thread-safe. Keeps the running calls and the finished ones
/// within the retention (by count and by age); the oldest record and its log go first.
/// </summary>
public interface ICallStore
{
    /// <summary>Registers a call that is starting and opens its log.</summary>
    CallLog Begin(CallRecord record);

    /// <summary>The call is over: its log is closed and its record kept as it stands.</summary>
    void Finish(CallRecord record, CallLog log);

    /// <summary>
    /// Appends lines to the log of a call that may have finished, while the store still keeps
    /// it (else they are dropped), within the log's cap. For a Direktiv function's log lines
    /// that arrive just after its answer (docs/protocols.md §8).
    /// </summary>
    void AppendLate(CallLog log, IReadOnlyList<string> lines);

    bool TryGet(string callId, out CallRecord record);

    /// <summary>Calls newest first, filtered, one page at a time.</summary>
    CallPage List(CallQuery query);

    /// <summary>The call's log as text, or null when the call is unknown. Empty when it logged nothing.</summary>
    string? ReadLog(string callId);
}
