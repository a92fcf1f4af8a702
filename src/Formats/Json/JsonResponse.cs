namespace Fnagent.Formats;

/// <summary>One parsed json-format response (docs/protocols.md §3).</summary>
public readonly struct JsonResponse
{
    /// <summary><c>protocol.status_code</c>, 200 when absent.</summary>
    public int StatusCode { get; init; }

    /// <summary><c>content_type</c>, or null when absent (the format then applies its default).</summary>
    public string? ContentType { get; init; }

    /// <summary><c>protocol.headers</c>, or null when absent or empty.</summary>
    public FunctionHeaders? Headers { get; init; }

    /// <summary>
    /// The <c>body</c> string, unescaped, as UTF-8 bytes, in a buffer rented from
    /// <see cref="System.Buffers.ArrayPool{T}.Shared"/>. Valid until <see cref="ReleaseBody"/>.
    /// </summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The pooled array under <see cref="Body"/>, or null when the body is empty.</summary>
    internal byte[]? RentedBody { get; init; }

    /// <summary>
    /// Returns the body's buffer to the pool. Call it once, when the body is no longer used;
    /// <see cref="JsonFormat"/> does it when the response body stream is disposed. Not calling it
    /// only leaves the buffer to the garbage collector.
    /// </summary>
    public void ReleaseBody()
    {
        if (RentedBody is { } rented)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Up to 256 non-whitespace bytes that directly followed the object in the same read, or empty.</summary>
    public ReadOnlyMemory<byte> TrailingBytes { get; init; }
}
