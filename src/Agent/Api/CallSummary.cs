namespace Fnagent.Api;

/// <summary>
/// <c>GET /v1/calls/{call_id}</c>: one call's record. <c>type</c> is <c>sync</c> or
/// <c>async</c>; <c>status</c> is <c>queued</c> (async, not started), <c>running</c>,
/// <c>success</c>, <c>error</c>, <c>timeout</c> or <c>cancelled</c>; the times are ISO 8601
/// with offset; the end, duration, HTTP status, exit code, pid, error, queue wait and
/// cold are null until known. <c>callback</c> is null but for a call of a Sonr function with a
/// callback (docs/protocols.md §9): where its output goes and how its delivery stands.
/// </summary>
public sealed record CallSummary(
    string CallId,
    string App,
    string Function,
    string Route,
    string Type,
    string Status,
    int? HttpStatus,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double? DurationMs,
    int? ExitCode,
    int? Pid,
    string? Error,
    double? QueueWaitMs,
    bool? Cold,
    CallbackSummary? Callback = null);

/// <summary>A callback's delivery: <c>pending</c>, <c>delivered</c> or <c>failed</c>, its attempts so far, the last one's HTTP status (null when it had no answer) and error.</summary>
public sealed record CallbackSummary(string Url, string State, int Attempts, int? LastStatus, string? LastError);
