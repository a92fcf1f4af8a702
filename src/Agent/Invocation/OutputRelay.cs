namespace Fnagent.Invocation;

/// <summary>
/// Copies a function's response body to the caller. While the request is still being
/// written to the function, the output goes to an <see cref="OutputSpool"/> instead, so a
/// caller that reads nothing until it has sent everything cannot wedge the call.
/// </summary>
internal static class OutputRelay
{
    private const int BufferSize = 16 * 1024;

    public static async Task CopyAsync(Stream source, Task requestWritten, Stream destination, string? spoolDirectory, CancellationToken cancellationToken)
    {
        if (source is MemoryStream && requestWritten.IsCompleted)
        {
            // A body already whole in memory (json answers, small http answers): MemoryStream
            // writes its own buffer to the destination, with no pooled buffer and no extra copy.
            await source.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
            return;
        }

        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        OutputSpool? spool = null;
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (!requestWritten.IsCompleted && spoolDirectory is not null)
                {
                    spool ??= new OutputSpool(spoolDirectory);
                    await spool.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                    continue;
                }

                if (spool is not null)
                {
                    await spool.DrainToAsync(destination, cancellationToken).ConfigureAwait(false);
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            if (spool is not null)
            {
                await spool.DrainToAsync(destination, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            if (spool is not null)
            {
                await spool.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
