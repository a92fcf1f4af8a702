using System.Buffers;

namespace Fnagent.Formats.Testing;

/// <summary>
/// Bytes as a <see cref="ReadOnlySequence{T}"/> of many segments, as a pipe hands over a
/// message that arrived in pieces. Shared by the codec tests and the benchmarks (linked into both).
/// </summary>
internal static class SegmentedSequence
{
    /// <summary>The bytes cut into segments of <paramref name="segmentSize"/> (the last one shorter).</summary>
    public static ReadOnlySequence<byte> Of(byte[] bytes, int segmentSize)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(bytes.AsMemory(0, Math.Min(segmentSize, bytes.Length)), 0);
        var last = first;
        for (var i = segmentSize; i < bytes.Length; i += segmentSize)
        {
            last = last.Append(bytes.AsMemory(i, Math.Min(segmentSize, bytes.Length - i)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
