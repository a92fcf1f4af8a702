using System.Buffers;
using System.IO.Pipelines;

namespace Fnagent.Formats;

/// <summary>
/// The one read loop every codec runs under: it owns the <see cref="PipeReader"/>
/// bookkeeping (consumed/examined), the size limit (the input is sliced before parsing, so a
/// reader never sees more than the limit) and what the end of input means.
/// </summary>
/// <remarks>
/// One read at a time per <see cref="PipeReader"/>, as for any pipe. The loop consumes
/// exactly the bytes of the message (and whatever the reader chose to drop before it); bytes
/// after the message stay in the pipe for the next read.
/// </remarks>
public static class MessageReadLoop
{
    /// <summary>Reads one message.</summary>
    /// <exception cref="FormatViolationException">
    /// <see cref="FormatError.ResponseTooLarge"/> when no message ends within
    /// <paramref name="maxMessageSize"/> bytes; <see cref="FormatError.IncompleteResponse"/> when
    /// the input ends before a message does (including before any byte); whatever the reader
    /// reports for bytes that can never be a message.
    /// </exception>
    /// <exception cref="OperationCanceledException">When <paramref name="ct"/> fires or the read is canceled.</exception>
    public static async ValueTask<T> ReadAsync<T>(PipeReader input, IMessageReader<T> reader, long maxMessageSize, CancellationToken ct)
    {
        while (true)
        {
            var result = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            try
            {
                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("the read of a function response was canceled");
                }

                // Limits are enforced by slicing before parsing (Kestrel's habit): a reader
                // can never be made to look at more than the limit.
                var limited = buffer.Length > maxMessageSize ? buffer.Slice(0, maxMessageSize) : buffer;
                if (!limited.IsEmpty && reader.TryParseMessage(limited, ref consumed, ref examined, out var message))
                {
                    return message;
                }

                var pending = buffer.Slice(consumed);
                if (pending.Length >= maxMessageSize && (buffer.Length > maxMessageSize || result.IsCompleted))
                {
                    throw FormatViolationException.WithBytes(FormatError.ResponseTooLarge, pending.Slice(0, maxMessageSize), $"no complete response within {maxMessageSize} bytes", maxMessageSize);
                }

                if (buffer.Length > maxMessageSize)
                {
                    // The reader dropped some leading bytes; look again from there.
                    examined = consumed;
                }

                if (result.IsCompleted)
                {
                    throw FormatViolationException.WithBytes(
                        FormatError.IncompleteResponse,
                        pending,
                        pending.IsEmpty ? "output ended before a response" : $"output ended after {pending.Length} bytes of a response");
                }
            }
            finally
            {
                input.AdvanceTo(consumed, examined);
            }
        }
    }

    /// <summary>
    /// Whether the function has already written bytes that no read asked for (bytes after a
    /// complete response, before the next request), without consuming them. Never waits.
    /// </summary>
    /// <param name="input">The function's output; not being read concurrently.</param>
    /// <param name="skipWhitespace">Consume and ignore leading whitespace (json objects may be separated by any).</param>
    /// <param name="pending">The first bytes seen when there were some.</param>
    public static bool HasPendingBytes(PipeReader input, bool skipWhitespace, out ReadOnlyMemory<byte> pending)
    {
        pending = default;
        if (!input.TryRead(out var result))
        {
            return false;
        }

        var buffer = result.Buffer;
        var start = buffer.Start;
        if (skipWhitespace)
        {
            var sequenceReader = new SequenceReader<byte>(buffer);
            sequenceReader.AdvancePastAny((byte)' ', (byte)'\t', (byte)'\r', (byte)'\n');
            start = sequenceReader.Position;
        }

        var rest = buffer.Slice(start);
        if (!rest.IsEmpty)
        {
            pending = (rest.Length > FormatViolationException.MaxFirstBytes ? rest.Slice(0, FormatViolationException.MaxFirstBytes) : rest).ToArray();
        }

        // Consume only the skipped whitespace; examined at start so a later read is not stalled.
        input.AdvanceTo(start, start);
        return !rest.IsEmpty;
    }

    /// <inheritdoc cref="HasPendingBytes(PipeReader, bool, out ReadOnlyMemory{byte})"/>
    public static bool HasPendingBytes(PipeReader input) => HasPendingBytes(input, skipWhitespace: false, out _);
}
