namespace Fnagent.Formats;

/// <summary>
/// One call as every format sees it. The body is a stream that is read once, as it
/// arrives from the caller; no format may assume it can seek or read it twice.
/// </summary>
public sealed class FunctionRequest
{
    /// <summary>Unique, time-sortable id of this call (docs/protocols.md §2).</summary>
    public required string CallId { get; init; }

    /// <summary>HTTP method of the incoming request, e.g. <c>POST</c>.</summary>
    public required string Method { get; init; }

    /// <summary>Full URL of the incoming request, query included: <c>http://host/r/app/hello?q=1</c>.</summary>
    public required string RequestUrl { get; init; }

    /// <summary>The request target as the caller sent it: <c>/r/app/hello?q=1</c>.</summary>
    public required string Target { get; init; }

    /// <summary>When the call must be finished.</summary>
    public required DateTimeOffset Deadline { get; init; }

    /// <summary>The caller's headers (hop-by-hop ones included; each format filters).</summary>
    public FunctionHeaders Headers { get; init; } = new();

    /// <summary>The body length when the caller declared it, else null (unknown, e.g. chunked).</summary>
    public long? ContentLength { get; init; }

    /// <summary>The request body, streamed.</summary>
    public Stream Body { get; init; } = Stream.Null;

    /// <summary>The caller's Content-Type, or null.</summary>
    public string? ContentType => Headers.Get("Content-Type");

    /// <summary><see cref="Deadline"/> as RFC 3339 UTC with milliseconds, e.g. <c>2026-01-30T16:52:39.786Z</c>.</summary>
    public string DeadlineText => Deadline.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
