namespace Fnagent.Formats;

/// <summary>One parsed http response head: what the caller gets plus the body's framing.</summary>
public readonly struct HttpResponseHead
{
    /// <summary>The status code from the status line.</summary>
    public int StatusCode { get; init; }

    /// <summary>The minor version of <c>HTTP/1.x</c> in the status line.</summary>
    public int MinorVersion { get; init; }

    /// <summary>End-to-end headers for the caller, or null when there were none. Framing, hop-by-hop and Content-Type are not in it.</summary>
    public FunctionHeaders? Headers { get; init; }

    /// <summary>The Content-Type header, or null.</summary>
    public string? ContentType { get; init; }

    /// <summary>The Content-Length header, or null.</summary>
    public long? ContentLength { get; init; }

    /// <summary>Whether the body is chunked (<c>Transfer-Encoding: chunked</c>; wins over Content-Length).</summary>
    public bool Chunked { get; init; }

    /// <summary>A Transfer-Encoding other than chunked was named last: the body cannot be framed.</summary>
    public bool UnknownTransferEncoding { get; init; }

    /// <summary>The response carried <c>Connection: close</c>.</summary>
    public bool CloseRequested { get; init; }

    /// <summary>Whether the status never has a body (1xx, 204, 304).</summary>
    public bool IsBodiless => StatusCode is < 200 or 204 or 304;
}
