using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Fnagent.Formats;

/// <summary>
/// Writes a json-format request exactly as docs/protocols.md §3 shows it: one compact line,
/// keys in the order <c>call_id, deadline, content_type, body, protocol{type, method,
/// request_url, headers}</c>, header values as lists, then a blank line (<c>\n\n</c>).
/// </summary>
/// <remarks>
/// Safe for concurrent use: each thread reuses its own <see cref="Utf8JsonWriter"/>.
/// The body must be valid UTF-8 (callers check; see <see cref="JsonFormat"/>).
/// </remarks>
public sealed class JsonRequestWriter : IMessageWriter<JsonRequest>
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = false,
        SkipValidation = true,

        // Not HTML: only what JSON itself requires is escaped, so the line stays short and readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The shared instance.</summary>
    public static JsonRequestWriter Instance { get; } = new();

    public void WriteMessage(JsonRequest message, IBufferWriter<byte> output)
    {
        var request = message.Request;
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(output, Options);
        }
        else
        {
            writer.Reset(output);
        }

        try
        {
            Span<byte> deadline = stackalloc byte[32];
            request.Deadline.UtcDateTime.TryFormat(deadline, out var deadlineLength, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

            writer.WriteStartObject();
            writer.WriteString("call_id"u8, request.CallId);
            writer.WriteString("deadline"u8, deadline[..deadlineLength]);
            writer.WriteString("content_type"u8, request.ContentType ?? string.Empty);
            writer.WriteString("body"u8, message.Body.Span);
            writer.WriteStartObject("protocol"u8);
            writer.WriteString("type"u8, "http"u8);
            writer.WriteString("method"u8, request.Method);
            writer.WriteString("request_url"u8, request.RequestUrl);
            writer.WriteStartObject("headers"u8);
            foreach (var (name, values) in request.Headers)
            {
                writer.WriteStartArray(name);
                foreach (var value in values)
                {
                    writer.WriteStringValue(value);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            // Drop the reference to the caller's output; the writer itself is reused.
            writer.Reset(NullBufferWriter.Instance);
        }

        output.Write("\n\n"u8);
    }

    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count)
        {
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => Array.Empty<byte>();

        public Span<byte> GetSpan(int sizeHint = 0) => Array.Empty<byte>();
    }
}
