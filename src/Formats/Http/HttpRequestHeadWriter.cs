using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Fnagent.Formats;

/// <summary>
/// Writes the head of an http-format request (docs/protocols.md §4):
/// <c>METHOD target HTTP/1.1</c>, the caller's headers minus hop-by-hop ones, the four
/// <c>Fn_*</c> headers, and <c>Content-Length</c> when the body length is known, else
/// <c>Transfer-Encoding: chunked</c>. The body is not written here.
/// </summary>
/// <remarks>Stateless and safe for concurrent use. Strings are written as Latin-1.</remarks>
public sealed class HttpRequestHeadWriter : IMessageWriter<FunctionRequest>
{
    /// <summary>The shared instance.</summary>
    public static HttpRequestHeadWriter Instance { get; } = new();

    public void WriteMessage(FunctionRequest message, IBufferWriter<byte> output) => WriteMessage(message, message.ContentLength, output);

    /// <summary>Writes the head with <paramref name="contentLength"/> as the body's framing (null: chunked).</summary>
    public void WriteMessage(FunctionRequest message, long? contentLength, IBufferWriter<byte> output)
    {
        WriteLatin1(output, message.Method);
        Write(output, " "u8);
        WriteLatin1(output, message.Target);
        Write(output, " HTTP/1.1\r\n"u8);

        foreach (var (name, values) in message.Headers)
        {
            if (IsDropped(name))
            {
                continue;
            }

            foreach (var value in values)
            {
                WriteLatin1(output, name);
                Write(output, ": "u8);
                WriteLatin1(output, value);
                Write(output, "\r\n"u8);
            }
        }

        Write(output, "Fn_call_id: "u8);
        WriteLatin1(output, message.CallId);
        Write(output, "\r\nFn_deadline: "u8);
        WriteDeadline(output, message.Deadline);
        Write(output, "\r\nFn_method: "u8);
        WriteLatin1(output, message.Method);
        Write(output, "\r\nFn_request_url: "u8);
        WriteLatin1(output, message.RequestUrl);
        if (contentLength is { } length)
        {
            Write(output, "\r\nContent-Length: "u8);
            var span = output.GetSpan(20);
            Utf8Formatter.TryFormat(length, span, out var written);
            output.Advance(written);
            Write(output, "\r\n\r\n"u8);
        }
        else
        {
            Write(output, "\r\nTransfer-Encoding: chunked\r\n\r\n"u8);
        }
    }

    /// <summary>Hop-by-hop headers (RFC 9110 7.6.1), framing we write ourselves, and caller attempts to spoof Fn_* headers.</summary>
    internal static bool IsDropped(string name) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("TE", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Fn_call_id", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Fn_deadline", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Fn_method", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Fn_request_url", StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 3339 UTC with milliseconds, e.g. <c>2026-01-30T16:52:39.786Z</c>, written without allocating.</summary>
    internal static void WriteDeadline(IBufferWriter<byte> output, DateTimeOffset deadline)
    {
        var span = output.GetSpan(32);
        deadline.UtcDateTime.TryFormat(span, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);

    internal static void WriteLatin1(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(text.Length);
        var written = Encoding.Latin1.GetBytes(text, span);

        // A CR or LF would let a header value start a header (or a request) of its own in the
        // function's input; callers other than Kestrel (async spool, CLI) are not trusted here.
        var line = span[..written];
        if (line.ContainsAny((byte)'\r', (byte)'\n'))
        {
            line.Replace((byte)'\r', (byte)' ');
            line.Replace((byte)'\n', (byte)' ');
        }

        output.Advance(written);
    }
}
