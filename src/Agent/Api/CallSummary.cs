namespace Fnagent.Api;

/// <summary>
/// <c>GET /v1/calls/{call_id}</c>: one call's record. <c>type</c> is <c>sync</c> or
/// <c>async</c>; <c>status</c> is <c>queued</c> (async, not started), <c>running</c>,
/// <c>success</c>, <c>error</c>, <c>timeout</c> or <c>cancelled</c>; the times are ISO 8601
/// with offset; the end, duration, HTTP status, exit code, pid, error, queue wait and
/// cold are null until known.
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
    bool? Cold);
