namespace Fnagent.Api;

/// <summary>
/// <c>GET /v1/calls</c>: a page of calls, newest first, and the cursor of the next page (null
/// on the last). The shape of Fn's former calls API, with <c>next_cursor</c> passed back as
/// <c>cursor</c>.
/// </summary>
public sealed record CallListing(IReadOnlyList<CallSummary> Calls, string? NextCursor);
