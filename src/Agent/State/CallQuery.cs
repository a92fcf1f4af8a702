namespace Fnagent.State;

/// <summary>
/// Which calls to list, newest first. <see cref="Cursor"/> is the id of the last call of the
/// previous page: ids never change and sort by time, so a page never repeats or skips a call
/// that was already there when the listing began.
/// </summary>
public sealed record CallQuery
{
    /// <summary>The most a page holds, whatever is asked.</summary>
    public const int MaxLimit = 1000;

    public string? App { get; init; }

    public string? Function { get; init; }

    public CallStatus? Status { get; init; }

    /// <summary>Calls started at or after this.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Calls started before this.</summary>
    public DateTimeOffset? Until { get; init; }

    public int Limit { get; init; } = 50;

    /// <summary>Only calls older than this call id (the <c>next_cursor</c> of the page before).</summary>
    public string? Cursor { get; init; }
}

/// <summary>One page of calls, and the cursor of the next (null on the last).</summary>
public sealed record CallPage(IReadOnlyList<CallRecord> Calls, string? NextCursor);
