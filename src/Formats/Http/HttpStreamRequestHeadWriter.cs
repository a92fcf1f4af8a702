using System.Buffers;
using System.Buffers.Text;

namespace Fnagent.Formats;

/// <summary>
/// Writes the head of an http-stream call (docs/protocols.md §5): <c>POST /call HTTP/1.1</c>,
/// <c>Fn-Call-Id</c>, <c>Fn-Deadline</c>, <c>Fn-Http-Method</c>, <c>Fn-Http-Request-Url</c>,
/// <c>Fn-Intent: httprequest</c>, each caller header as <c>Fn-Http-H-&lt;Name&gt;</c>
/// (Content-Type also as itself), then the body framing. The body is not written here.
/// </summary>
/// <remarks>Stateless and safe for concurrent use.</remarks>
public sealed class HttpStreamRequestHeadWriter : IMessageWriter<FunctionRequest>
{
    public static HttpStreamRequestHeadWriter Instance { get; } = new();

    public void WriteMessage(FunctionRequest message, IBufferWriter<byte> output) => WriteMessage(message, message.ContentLength, output);

    /// <summary>Writes the head with <paramref name="contentLength"/> as its framing (null: chunked).</summary>
    public void WriteMessage(FunctionRequest message, long? contentLength, IBufferWriter<byte> output)
    {
        output.Write("POST /call HTTP/1.1\r\nHost: localhost\r\nFn-Call-Id: "u8);
        HttpRequestHeadWriter.WriteLatin1(output, message.CallId);
        output.Write("\r\nFn-Deadline: "u8);
        HttpRequestHeadWriter.WriteDeadline(output, message.Deadline);
        output.Write("\r\nFn-Http-Method: "u8);
        HttpRequestHeadWriter.WriteLatin1(output, message.Method);
        output.Write("\r\nFn-Http-Request-Url: "u8);
        HttpRequestHeadWriter.WriteLatin1(output, message.RequestUrl);
        output.Write("\r\nFn-Intent: httprequest\r\n"u8);

        foreach (var (name, values) in message.Headers)
        {
            // Hop-by-hop and framing headers describe the caller's connection, not the call.
            if (HttpRequestHeadWriter.IsDropped(name))
            {
                continue;
            }

            var isContentType = name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase);
            foreach (var value in values)
            {
                output.Write("Fn-Http-H-"u8);
                WriteHeader(output, name, value);
                if (isContentType)
                {
                    WriteHeader(output, "Content-Type", value);
                }
            }
        }

        if (contentLength is { } length)
        {
            output.Write("Content-Length: "u8);
            var span = output.GetSpan(20);
            Utf8Formatter.TryFormat(length, span, out var written);
            output.Advance(written);
            output.Write("\r\n\r\n"u8);
        }
        else
        {
            output.Write("Transfer-Encoding: chunked\r\n\r\n"u8);
        }
    }

    private static void WriteHeader(IBufferWriter<byte> output, string name, string value)
    {
        HttpRequestHeadWriter.WriteLatin1(output, name);
        output.Write(": "u8);
        HttpRequestHeadWriter.WriteLatin1(output, value);
        output.Write("\r\n"u8);
    }
}
