using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Fnagent.Formats;

/// <summary>
/// Parses one message from the bytes a function has written so far (Bedrock's reader shape).
/// </summary>
/// <remarks>
/// A reader never awaits and never throws for "need more data": it returns <c>false</c>,
/// leaves <paramref name="consumed"/> where the message starts (or after bytes it could
/// drop, such as whitespace between json objects) and sets <paramref name="examined"/> to
/// how far it looked, so the next read waits for new bytes. Bytes that can never become a
/// valid message are reported by throwing <see cref="FormatViolationException"/>.
/// End of input is not the reader's business: <see cref="MessageReadLoop"/> decides what an
/// unfinished message at the end means. A reader instance may keep state between calls for
/// the message it is parsing, so it is used by one read at a time.
/// </remarks>
public interface IMessageReader<TMessage>
{
    /// <summary>Tries to parse one message from <paramref name="input"/>.</summary>
    /// <returns><c>true</c> with the message and <paramref name="consumed"/> after it; <c>false</c> when more bytes are needed.</returns>
    bool TryParseMessage(
        in ReadOnlySequence<byte> input,
        ref SequencePosition consumed,
        ref SequencePosition examined,
        [MaybeNullWhen(false)] out TMessage message);
}
