using System.Buffers;

namespace Fnagent.Invocation;

/// <summary>Reads a whole stream into memory, up to a limit.</summary>
internal static class BoundedRead
{
    /// <summary>
    /// Everything <paramref name="source"/> holds, or null as soon as it passes
    /// <paramref name="limit"/> bytes. With the length known beforehand (a Content-Length,
    /// which the stream enforces), the bytes go straight into an array of that size.
    /// </summary>
    public static async Task<byte[]?> ReadAllAsync(Stream source, long limit, CancellationToken cancellationToken, long? length = null)
    {
        if (length is { } known && known <= limit)
        {
            var exact = new byte[known];
            await source.ReadExactlyAsync(exact, cancellationToken).ConfigureAwait(false);
            return await source.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) == 0 ? exact : null;
        }

        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }
}
