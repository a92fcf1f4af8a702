using System.Buffers;
using System.Numerics;
using System.Text;
using Fnagent.Formats.Testing;

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

    public static ReadOnlySequence<byte> Sequence(byte[] bytes, bool split) =>
        split ? SegmentedSequence.Of(bytes, SegmentSize(bytes.Length)) : new ReadOnlySequence<byte>(bytes);
}
