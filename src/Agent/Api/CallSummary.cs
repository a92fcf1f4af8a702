namespace Fnagent.Api;

/// <summary>
/// <c>GET /v1/calls/{call_id}</c>: one call's record. <c>status</c> is <c>running</c>,
/// <c>success</c>, <c>error</c>, <c>timeout</c> or <c>cancelled</c>; the times are ISO 8601
/// with offset; the end, duration, HTTP status, exit code, pid and error are null until known.
/// </summary>
public sealed record CallSummary(
    string CallId,
    string App,
    string Function,
    string Route,
    string Status,
    int? HttpStatus,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double? DurationMs,
    int? ExitCode,
    int? Pid,
    string? Error);
