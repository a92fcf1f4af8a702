namespace Fnagent.State;

/// <summary>
/// What is known of one call. Written by the call's own flow only; read by anyone once
/// <see cref="Status"/> is no longer <see cref="CallStatus.Running"/>.
/// </summary>
public sealed class CallRecord
{
    public required string CallId { get; init; }

    public required string App { get; init; }

    public required string Function { get; init; }

    public required string Route { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary><c>sync</c>, or <c>async</c> for a call whose caller got 202 and an id (func.yml <c>type</c>).</summary>
    public string Type { get; init; } = "sync";

    public CallStatus Status { get; set; } = CallStatus.Running;

    public DateTimeOffset? EndedAt { get; set; }

    public TimeSpan? Duration => EndedAt - StartedAt;

    /// <summary>HTTP status sent to the caller.</summary>
    public int? HttpStatus { get; set; }

    /// <summary>Exit code of a cold process, when it exited.</summary>
    public int? ExitCode { get; set; }

    /// <summary>The pid of the process that served the call.</summary>
    public int? Pid { get; set; }

    /// <summary>The error message the caller saw, when the call failed.</summary>
    public string? Error { get; set; }

    /// <summary>How long the call waited for a process (or its place under max_concurrency).</summary>
    public TimeSpan? QueueWait { get; set; }

    /// <summary>True when a process was started for this call; false when a warm one served it.</summary>
    public bool? Cold { get; set; }

    /// <summary>Where its output goes and how that went, for a call of a Sonr function with a callback; null otherwise (and while it is served from memory).</summary>
    public CallbackOutcome? Callback { get; set; }
}

/// <summary>A callback's delivery as it stands: <c>pending</c>, <c>delivered</c> or <c>failed</c>, after so many attempts, the last one's HTTP status or error.</summary>
public sealed record CallbackOutcome(string Url, string State, int Attempts, int? LastStatus, string? LastError);
