using System.Buffers;

namespace Fnagent.Formats;

/// <summary>
/// Writes one message into a buffer writer (Bedrock's writer shape). A writer never awaits
/// and never flushes; whoever owns the output flushes it. Writers are stateless and safe for
/// concurrent use on different outputs.
/// </summary>
public interface IMessageWriter<TMessage>
{
    /// <summary>Writes <paramref name="message"/> to <paramref name="output"/>.</summary>
    void WriteMessage(TMessage message, IBufferWriter<byte> output);
}
