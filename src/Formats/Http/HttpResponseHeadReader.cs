using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Fnagent.Formats;

/// <summary>
/// Parses an http/1.x response head (status line and header fields, up to the empty line)
/// per docs/protocols.md §4. Lines end in CRLF; a bare LF is accepted. Header names are
/// matched case-insensitively; values are Latin-1, like Python's http.server writes them.
/// </summary>
/// <remarks>
/// Stateless and safe for concurrent use. Returns false until the empty line ending the head
/// is in the input; a line longer than <see cref="FormatLimits.MaxLineLength"/> or any
/// malformation throws <see cref="FormatViolationException"/> with <see cref="FormatError.InvalidHttp"/>.
/// The head size limit is enforced by slicing in <see cref="MessageReadLoop"/>.
/// Nothing is allocated until the whole head is there; then only header strings that are not
/// framing, and only values not in a small table of common ones.
/// </remarks>
public sealed class HttpResponseHeadReader : IMessageReader<HttpResponseHead>
{
    private readonly int _maxLineLength;

    public HttpResponseHeadReader(FormatLimits limits)
    {
        _maxLineLength = limits.MaxLineLength;
    }

    public bool TryParseMessage(in ReadOnlySequence<byte> input, ref SequencePosition consumed, ref SequencePosition examined, [MaybeNullWhen(false)] out HttpResponseHead message)
    {
        message = default;

        // First pass: find the empty line, checking line lengths, without allocating.
        var reader = new SequenceReader<byte>(input);
        var lines = 0;
        while (true)
        {
            if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                if (reader.Remaining > _maxLineLength)
                {
                    throw LineTooLong(input);
                }

                examined = input.End;
                return false;
            }

            if (line.Length > _maxLineLength)
            {
                throw LineTooLong(input);
            }

            if (line.IsEmpty || (line.Length == 1 && line.FirstSpan[0] == (byte)'\r'))
            {
                if (lines == 0)
                {
                    throw FormatViolationException.WithBytes(FormatError.InvalidHttp, input, "empty line where the status line should be");
                }

                break;
            }

            lines++;
        }

        var end = reader.Position;
        message = Parse(input.Slice(0, end));
        consumed = end;
        examined = end;
        return true;
    }

    private FormatViolationException LineTooLong(in ReadOnlySequence<byte> input) =>
        FormatViolationException.WithBytes(FormatError.InvalidHttp, input, $"line longer than {_maxLineLength} bytes");

    private static HttpResponseHead Parse(in ReadOnlySequence<byte> head)
    {
        var reader = new SequenceReader<byte>(head);
        var builder = new HeadBuilder();
        var first = true;
        Span<byte> scratch = stackalloc byte[512];
        while (reader.TryReadTo(out ReadOnlySequence<byte> lineSequence, (byte)'\n'))
        {
            // Fast path: the line is in one segment. Otherwise copy it to the stack (or, for a
            // rare long line, the heap).
            scoped ReadOnlySpan<byte> line;
            if (lineSequence.IsSingleSegment)
            {
                line = lineSequence.FirstSpan;
            }
            else
            {
                var copy = lineSequence.Length <= scratch.Length ? scratch : new byte[lineSequence.Length];
                lineSequence.CopyTo(copy);
                line = copy[..(int)lineSequence.Length];
            }

            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (line.IsEmpty)
            {
                break;
            }

            if (first)
            {
                ParseStatusLine(line, head, ref builder);
                first = false;
            }
            else
            {
                ParseHeaderLine(line, head, ref builder);
            }
        }

        return builder.Build();
    }

    private static void ParseStatusLine(ReadOnlySpan<byte> line, in ReadOnlySequence<byte> head, ref HeadBuilder builder)
    {
        // HTTP/1.x SP 3DIGIT [SP reason-phrase]; the reason is not kept.
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)line[7]) || line[8] != (byte)' '
            || !char.IsAsciiDigit((char)line[9]) || !char.IsAsciiDigit((char)line[10]) || !char.IsAsciiDigit((char)line[11])
            || (line.Length > 12 && line[12] != (byte)' '))
        {
            throw FormatViolationException.WithBytes(FormatError.InvalidHttp, head, "invalid status line");
        }

        builder.MinorVersion = line[7] - '0';
        builder.StatusCode = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
        if (builder.StatusCode < 100)
        {
            throw FormatViolationException.WithBytes(FormatError.InvalidHttp, head, "invalid status code");
        }
    }

    private static void ParseHeaderLine(ReadOnlySpan<byte> line, in ReadOnlySequence<byte> head, ref HeadBuilder builder)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            throw FormatViolationException.WithBytes(FormatError.InvalidHttp, head, colon == 0 ? "empty header name" : "header line without a colon");
        }

        var name = line[..colon];
        if (name.IndexOfAnyExcept(HttpTokens.TokenChars) >= 0)
        {
            // Also rejects obsolete line folding and whitespace before the colon (RFC 9112 5.1, 5.2).
            throw FormatViolationException.WithBytes(FormatError.InvalidHttp, head, "invalid header name");
        }

        var value = line[(colon + 1)..].Trim(" \t"u8);
        if (value.IndexOfAnyInRange((byte)0, (byte)0x08) >= 0 || value.IndexOfAnyInRange((byte)0x0A, (byte)0x1F) >= 0 || value.Contains((byte)0x7F))
        {
            throw FormatViolationException.WithBytes(FormatError.InvalidHttp, head, "control character in a header value");
        }

        if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
        {
            if (!TryParseLength(value, out var length) || (builder.ContentLength is { } previous && previous != length))
            {
                throw FormatViolationException.WithBytes(FormatError.InvalidHttp, head, "invalid Content-Length");
            }

            builder.ContentLength = length;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
        {
            // The last coding decides; only chunked can be framed (RFC 9112 6.3).
            var last = value;
            var comma = value.LastIndexOf((byte)',');
            if (comma >= 0)
            {
                last = value[(comma + 1)..].Trim(" \t"u8);
            }

            builder.Chunked = Ascii.EqualsIgnoreCase(last, "chunked"u8);
            builder.UnknownTransferEncoding = !builder.Chunked;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
        {
            builder.CloseRequested |= HttpTokens.ContainsToken(value, "close"u8);
        }
        else if (Ascii.EqualsIgnoreCase(name, "Keep-Alive"u8) || Ascii.EqualsIgnoreCase(name, "Trailer"u8)
            || Ascii.EqualsIgnoreCase(name, "Upgrade"u8) || Ascii.EqualsIgnoreCase(name, "Proxy-Connection"u8))
        {
            // Hop-by-hop: meaningful between the function and the agent only.
        }
        else if (Ascii.EqualsIgnoreCase(name, "Content-Type"u8))
        {
            builder.ContentType = HttpTokens.GetValueString(value);
        }
        else
        {
            (builder.Headers ??= new FunctionHeaders()).Add(HttpTokens.GetNameString(name), HttpTokens.GetValueString(value));
        }
    }

    private static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.IsEmpty || value.Length > 18)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiDigit((char)c))
            {
                return false;
            }

            length = (length * 10) + (c - '0');
        }

        return true;
    }

    private struct HeadBuilder
    {
        public int StatusCode;
        public int MinorVersion;
        public FunctionHeaders? Headers;
        public string? ContentType;
        public long? ContentLength;
        public bool Chunked;
        public bool UnknownTransferEncoding;
        public bool CloseRequested;

        public readonly HttpResponseHead Build() => new()
        {
            StatusCode = StatusCode,
            MinorVersion = MinorVersion,
            Headers = Headers,
            ContentType = ContentType,
            ContentLength = ContentLength,
            Chunked = Chunked,
            UnknownTransferEncoding = UnknownTransferEncoding,
            CloseRequested = CloseRequested,
        };
    }
}
