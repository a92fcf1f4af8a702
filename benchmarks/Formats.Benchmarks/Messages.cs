using System.Buffers;
using System.Numerics;
using System.Text;

namespace Fnagent.Formats.Benchmarks;

/// <summary>The bytes every benchmark parses or writes, for one body size.</summary>
internal static class Messages
{
    /// <summary>Plain text with a newline (escaped as <c>\n</c> in json) every 64 bytes.</summary>
    public static byte[] Body(int size)
    {
        var body = new byte[size];
        for (var i = 0; i < size; i++)
        {
            body[i] = i % 64 == 63 ? (byte)'\n' : (byte)('a' + (i % 26));
        }

        return body;
    }

    public static byte[] JsonResponse(byte[] body)
    {
        var escaped = Encoding.ASCII.GetString(body).Replace("\n", "\\n", StringComparison.Ordinal);
        return Encoding.ASCII.GetBytes("{\"body\":\"" + escaped + "\",\"content_type\":\"text/plain\",\"protocol\":{\"status_code\":200,\"headers\":{}}}\n");
    }

    public static byte[] HttpResponse(byte[] body)
    {
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n");
        return [.. head, .. body];
    }

    /// <summary>"Split": the message cut into segments of a power of two near an eighth of it, at most 4 KiB.</summary>
    public static int SegmentSize(int length) => (int)Math.Clamp(BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, length / 8)), 16, 4096);

    public static ReadOnlySequence<byte> Sequence(byte[] bytes, bool split)
    {
        if (!split)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var size = SegmentSize(bytes.Length);
        Segment first = new(bytes.AsMemory(0, Math.Min(size, bytes.Length)), 0);
        var last = first;
        for (var i = size; i < bytes.Length; i += size)
        {
            last = last.Append(bytes.AsMemory(i, Math.Min(size, bytes.Length - i)));
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
