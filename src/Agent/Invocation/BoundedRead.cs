namespace Fnagent.Invocation;

/// <summary>Reads a whole stream into memory, up to a limit.</summary>
internal static class BoundedRead
{
    /// <summary>Everything <paramref name="source"/> holds, or null as soon as it passes <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]?> ReadAllAsync(Stream source, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
