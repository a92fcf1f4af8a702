using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;

namespace Fnagent.Formats;

/// <summary>
/// The hot <c>http</c> format (docs/protocols.md §4): http/1.1 requests and responses over
/// the process's stdin/stdout, one call at a time, bodies streamed both ways.
/// </summary>
/// <remarks>
/// Immutable and safe to share; per pipe, one call at a time. Informational (1xx) responses
/// before the final one are skipped. A response with <c>Connection: close</c> sets
/// <see cref="FunctionResponse.CloseRequested"/>; an http/1.0 status line alone does not,
/// since a hot process that keeps reading stdin still serves the next request.
/// </remarks>
public sealed class HttpFormat : IFunctionFormat
{
    private const int ChunkSize = 16 * 1024;
    private readonly FormatLimits _limits;
    private readonly HttpResponseHeadReader _headReader;

    public HttpFormat(FormatLimits? limits = null)
    {
        _limits = limits ?? FormatLimits.Default;
        _headReader = new HttpResponseHeadReader(_limits);
    }

    public string Name => "http";

    public ValueTask WriteRequestAsync(FunctionRequest request, PipeWriter output, CancellationToken ct) =>
        WriteRequestAsync(request, output, static (r, length, o) => HttpRequestHeadWriter.Instance.WriteMessage(r, length, o), ct);

    /// <summary>Writes a request head with the given body length (null: chunked), e.g. <c>http</c>'s or <c>http-stream</c>'s.</summary>
    internal delegate void HeadWriter(FunctionRequest request, long? contentLength, IBufferWriter<byte> output);

    /// <summary>A request with the head <paramref name="writeHead"/> writes, then its body, framed and streamed.</summary>
    internal static async ValueTask WriteRequestAsync(FunctionRequest request, PipeWriter output, HeadWriter writeHead, CancellationToken ct)
    {
        if (request.ContentLength is { } length)
        {
            writeHead(request, length, output);
            await CopyExactlyAsync(request.Body, length, output, ct).ConfigureAwait(false);
        }
        else
        {
            await CopyUnknownLengthAsync(request, output, writeHead, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The response to a <c>HEAD</c> request has no body whatever its headers say (RFC 9110
    /// §9.3.2), nor has a 1xx, 204 or 304 (§15.2, §15.3.5, §15.4.5): its Content-Length is
    /// passed on for the caller, its body ends at once.
    /// </summary>
    public ValueTask<FunctionResponse> ReadResponseAsync(FunctionRequest request, PipeReader input, CancellationToken ct) =>
        ReadResponseAsync(input, request.Method, ct);

    /// <summary>Reads one response to a request made with <paramref name="requestMethod"/> (see above).</summary>
    internal async ValueTask<FunctionResponse> ReadResponseAsync(PipeReader input, string requestMethod, CancellationToken ct)
    {
        HttpResponseHead head;
        do
        {
            head = await MessageReadLoop.ReadAsync(input, _headReader, _limits.MaxHeadSize, ct).ConfigureAwait(false);
        }
        while (head.StatusCode is >= 100 and < 200 and not 101);

        if (head.StatusCode == 101)
        {
            throw new FormatViolationException(FormatError.InvalidHttp, "101 Switching Protocols is not allowed");
        }

        var response = new FunctionResponse
        {
            StatusCode = head.StatusCode,
            Headers = head.Headers ?? new FunctionHeaders(),
            ContentType = head.ContentType,
            CloseRequested = head.CloseRequested,
        };

        if (head.IsBodiless || string.Equals(requestMethod, "HEAD", StringComparison.OrdinalIgnoreCase))
        {
            response.ContentLength = head.StatusCode == 204 ? 0 : head.ContentLength;
            return response;
        }

        if (head.Chunked)
        {
            response.Body = new ResponseBodyStream(input, HttpBodyDecoder.ForChunked(_limits.MaxLineLength), _limits.MaxResponseSize);
            return response;
        }

        if (head.UnknownTransferEncoding || head.ContentLength is not { } length)
        {
            throw new FormatViolationException(FormatError.NoFraming, head.UnknownTransferEncoding ? "Transfer-Encoding other than chunked" : $"status {head.StatusCode} without Content-Length or chunked");
        }

        if (length > _limits.MaxResponseSize)
        {
            throw new FormatViolationException(FormatError.ResponseTooLarge, $"Content-Length {length}", limit: _limits.MaxResponseSize);
        }

        response.ContentLength = length;
        if (length > 0)
        {
            response.Body = new ResponseBodyStream(input, HttpBodyDecoder.ForContentLength(length), _limits.MaxResponseSize);
        }

        return response;
    }

    private static async ValueTask CopyExactlyAsync(Stream body, long length, PipeWriter output, CancellationToken ct)
    {
        var remaining = length;
        while (remaining > 0)
        {
            var memory = output.GetMemory((int)Math.Min(remaining, ChunkSize));
            if (memory.Length > remaining)
            {
                memory = memory[..(int)remaining];
            }

            var read = await body.ReadAsync(memory, ct).ConfigureAwait(false);
            if (read == 0)
            {
                // The function would wait forever for the missing bytes.
                throw new IOException($"request body ended {remaining} bytes before its Content-Length of {length}");
            }

            output.Advance(read);
            remaining -= read;
            var flush = await output.FlushAsync(ct).ConfigureAwait(false);
            if (flush.IsCompleted)
            {
                throw new IOException("the function stopped reading its input");
            }
        }

        await output.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A body of unknown length that ends within one buffer is sent with a Content-Length, so
    /// that functions whose HTTP server has no chunked request support (Python's
    /// BaseHTTPRequestHandler) still work for the common small or empty body; longer bodies are
    /// sent chunked as they arrive.
    /// </summary>
    private static async ValueTask CopyUnknownLengthAsync(FunctionRequest request, PipeWriter output, HeadWriter writeHead, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var filled = 0;
            int read;
            do
            {
                read = await request.Body.ReadAsync(buffer.AsMemory(filled, ChunkSize - filled), ct).ConfigureAwait(false);
                filled += read;
            }
            while (read > 0 && filled < ChunkSize);

            if (read == 0)
            {
                writeHead(request, filled, output);
                output.Write(buffer.AsSpan(0, filled));
                await output.FlushAsync(ct).ConfigureAwait(false);
                return;
            }

            writeHead(request, null, output);
            while (true)
            {
                WriteChunk(output, buffer.AsSpan(0, filled));
                var flush = await output.FlushAsync(ct).ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    throw new IOException("the function stopped reading its input");
                }

                filled = await request.Body.ReadAsync(buffer.AsMemory(0, ChunkSize), ct).ConfigureAwait(false);
                if (filled == 0)
                {
                    output.Write("0\r\n\r\n"u8);
                    await output.FlushAsync(ct).ConfigureAwait(false);
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void WriteChunk(PipeWriter output, ReadOnlySpan<byte> data)
    {
        var span = output.GetSpan(16);
        Utf8Formatter.TryFormat((uint)data.Length, span, out var written, new StandardFormat('x'));
        output.Advance(written);
        output.Write("\r\n"u8);
        output.Write(data);
        output.Write("\r\n"u8);
    }
}
