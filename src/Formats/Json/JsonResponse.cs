namespace Fnagent.Formats;

/// <summary>One parsed json-format response (PROTOCOLS.md section 3).</summary>
public readonly struct JsonResponse
{
    /// <summary><c>protocol.status_code</c>, 200 when absent.</summary>
    public int StatusCode { get; init; }

    /// <summary><c>content_type</c>, or null when absent (the format then applies its default).</summary>
    public string? ContentType { get; init; }

    /// <summary><c>protocol.headers</c>, or null when absent or empty.</summary>
    public FunctionHeaders? Headers { get; init; }

    /// <summary>The <c>body</c> string, unescaped, as UTF-8 bytes; the only allocation of a plain response.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Up to 256 non-whitespace bytes that directly followed the object in the same read, or empty.</summary>
    public ReadOnlyMemory<byte> TrailingBytes { get; init; }
}
