using System.Buffers;
using System.IO.Pipelines;
using System.Text.Unicode;

namespace Fnagent.Formats;

/// <summary>
/// The hot <c>json</c> format (docs/protocols.md §3): each request is one compact JSON line
/// plus a blank line on stdin; each response is a JSON object on stdout.
/// </summary>
/// <remarks>
/// Immutable and safe to share; per pipe, one call at a time. The request body is read whole
/// (bounded by <see cref="FormatLimits.MaxRequestSize"/>) because it travels as a JSON string;
/// the response object is bounded by <see cref="FormatLimits.MaxResponseSize"/>. A pipe feeding
/// <see cref="ReadResponseAsync"/> must let a whole response object be buffered (a
/// <see cref="Pipe"/> needs a pause threshold above the response limit, or none).
/// </remarks>
public sealed class JsonFormat : IFunctionFormat
{
    /// <summary>Content type of a response that names none.</summary>
    public const string DefaultContentType = "application/json";

    private readonly FormatLimits _limits;

    public JsonFormat(FormatLimits? limits = null)
    {
        _limits = limits ?? FormatLimits.Default;
    }

    public string Name => "json";

    public async ValueTask WriteRequestAsync(FunctionRequest request, PipeWriter output, CancellationToken ct)
    {
        var max = _limits.MaxRequestSize;
        if (request.ContentLength > max)
        {
            throw new FormatViolationException(FormatError.RequestTooLarge, $"Content-Length {request.ContentLength}", limit: max);
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 4096, 256, max + 1));
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, max + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > max)
                {
                    throw new FormatViolationException(FormatError.RequestTooLarge, $"body passed {max} bytes", limit: max);
                }
            }

            var body = buffer.AsMemory(0, length);
            if (!Utf8.IsValid(body.Span))
            {
                throw new FormatViolationException(FormatError.BodyNotUtf8, "request body is not UTF-8", body);
            }

            JsonRequestWriter.Instance.WriteMessage(new JsonRequest(request, body), output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await output.FlushAsync(ct).ConfigureAwait(false);
    }

    public async ValueTask<FunctionResponse> ReadResponseAsync(FunctionRequest request, PipeReader input, CancellationToken ct)
    {
        var message = await MessageReadLoop.ReadAsync(input, new JsonResponseReader(), _limits.MaxResponseSize, ct).ConfigureAwait(false);
        var headers = message.Headers ?? new FunctionHeaders();

        // content_type is set last and wins over a Content-Type in headers (docs/protocols.md §3).
        var headerContentType = headers.Get("Content-Type");
        headers.Remove("Content-Type");
        var body = message.Body;
        Stream stream = message.RentedBody is { } rented ? new PooledBodyStream(rented, body.Length) : Stream.Null;
        return new FunctionResponse
        {
            StatusCode = message.StatusCode,
            Headers = headers,
            ContentType = message.ContentType ?? headerContentType ?? DefaultContentType,
            ContentLength = body.Length,
            Body = stream,
            Violation = message.TrailingBytes.IsEmpty
                ? null
                : new FormatViolationException(FormatError.TrailingBytes, "bytes after a complete json response", message.TrailingBytes),
        };
    }

    /// <summary>Like the default, but whitespace between objects (the newline FDKs write after one) is not pending output.</summary>
    public bool HasPendingBytes(PipeReader input, out ReadOnlyMemory<byte> firstBytes) =>
        MessageReadLoop.HasPendingBytes(input, skipWhitespace: true, out firstBytes);
}
