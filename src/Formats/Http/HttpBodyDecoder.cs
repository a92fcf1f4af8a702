using System.Buffers;

namespace Fnagent.Formats;

/// <summary>
/// Pure decoder of an http message body's framing: Content-Length, chunked (extensions and
/// trailers ignored) or "until the end of input" (the default format's stdout). It strips the
/// framing and hands out the body bytes that are already in the buffer; it never reads past
/// the end of its message, so the next message on the same input still parses.
/// </summary>
/// <remarks>
/// A mutable struct owned by one body reader; not thread-safe. "Need more data" is
/// <see cref="BodyStatus.NeedMore"/>, never an exception; malformed chunk framing throws
/// <see cref="FormatViolationException"/> with <see cref="FormatError.InvalidHttp"/>. What the
/// end of input means is the caller's decision (end of body only for <see cref="UntilEnd"/>).
/// </remarks>
public struct HttpBodyDecoder
{
    private enum Mode : byte { ContentLength, Chunked, UntilEnd }

    private enum ChunkState : byte { Size, Data, DataEnd, Trailers, Done }

    private readonly Mode _mode;
    private readonly int _maxLineLength;
    private ChunkState _state;
    private long _remaining;

    private HttpBodyDecoder(Mode mode, long remaining, int maxLineLength)
    {
        _mode = mode;
        _remaining = remaining;
        _maxLineLength = maxLineLength;
        _state = ChunkState.Size;
    }

    /// <summary>A body of exactly <paramref name="length"/> bytes.</summary>
    public static HttpBodyDecoder ForContentLength(long length) => new(Mode.ContentLength, length, 0);

    /// <summary>A chunked body; chunk-size and trailer lines longer than <paramref name="maxLineLength"/> are invalid.</summary>
    public static HttpBodyDecoder ForChunked(int maxLineLength) => new(Mode.Chunked, 0, maxLineLength);

    /// <summary>A body that ends with the input.</summary>
    public static HttpBodyDecoder UntilEnd() => new(Mode.UntilEnd, 0, 0);

    /// <summary>Whether the body ends only when the input does.</summary>
    public readonly bool EndsWithInput => _mode == Mode.UntilEnd;

    /// <summary>Whether the body has been decoded to its end.</summary>
    public readonly bool IsDone => _mode switch
    {
        Mode.ContentLength => _remaining == 0,
        Mode.Chunked => _state == ChunkState.Done,
        _ => false,
    };

    /// <summary>
    /// Consumes framing at the start of <paramref name="input"/>. On <see cref="BodyStatus.Data"/>,
    /// <paramref name="data"/> holds body bytes: take any number k of them, call
    /// <see cref="Advance"/>(k) and consume up to <c>data.GetPosition(k)</c>. On
    /// <see cref="BodyStatus.NeedMore"/> and <see cref="BodyStatus.Done"/>, consume up to
    /// <paramref name="consumed"/> (and for NeedMore examine all of the input).
    /// </summary>
    public BodyStatus Decode(in ReadOnlySequence<byte> input, out ReadOnlySequence<byte> data, out SequencePosition consumed)
    {
        data = default;
        consumed = input.Start;
        switch (_mode)
        {
            case Mode.ContentLength:
                if (_remaining == 0)
                {
                    return BodyStatus.Done;
                }

                data = input.Length > _remaining ? input.Slice(0, _remaining) : input;
                return data.IsEmpty ? BodyStatus.NeedMore : BodyStatus.Data;
            case Mode.UntilEnd:
                data = input;
                return data.IsEmpty ? BodyStatus.NeedMore : BodyStatus.Data;
            default:
                return DecodeChunked(input, out data, out consumed);
        }
    }

    /// <summary>Records that <paramref name="count"/> bytes of the last <c>data</c> were taken.</summary>
    public void Advance(long count)
    {
        if (_mode != Mode.UntilEnd)
        {
            _remaining -= count;
        }
    }

    private BodyStatus DecodeChunked(in ReadOnlySequence<byte> input, out ReadOnlySequence<byte> data, out SequencePosition consumed)
    {
        data = default;
        var reader = new SequenceReader<byte>(input);
        while (true)
        {
            consumed = reader.Position;
            switch (_state)
            {
                case ChunkState.Size:
                    if (!TryReadLine(ref reader, out var sizeLine))
                    {
                        return BodyStatus.NeedMore;
                    }

                    _remaining = ParseChunkSize(sizeLine, input);
                    _state = _remaining == 0 ? ChunkState.Trailers : ChunkState.Data;
                    break;
                case ChunkState.Data:
                    if (_remaining == 0)
                    {
                        _state = ChunkState.DataEnd;
                        break;
                    }

                    var rest = reader.UnreadSequence;
                    data = rest.Length > _remaining ? rest.Slice(0, _remaining) : rest;
                    return data.IsEmpty ? BodyStatus.NeedMore : BodyStatus.Data;
                case ChunkState.DataEnd:
                    // CRLF after the chunk data (a bare LF is accepted).
                    if (!reader.TryPeek(out var b))
                    {
                        return BodyStatus.NeedMore;
                    }

                    if (b == (byte)'\r')
                    {
                        if (!reader.TryPeek(1, out var lf))
                        {
                            return BodyStatus.NeedMore;
                        }

                        if (lf != (byte)'\n')
                        {
                            throw FormatViolationException.WithBytes(FormatError.InvalidHttp, reader.UnreadSequence, "chunk data not followed by CRLF");
                        }

                        reader.Advance(2);
                    }
                    else if (b == (byte)'\n')
                    {
                        reader.Advance(1);
                    }
                    else
                    {
                        throw FormatViolationException.WithBytes(FormatError.InvalidHttp, reader.UnreadSequence, "chunk data longer than its size");
                    }

                    _state = ChunkState.Size;
                    break;
                case ChunkState.Trailers:
                    // Trailer fields are read and ignored; an empty line ends the message.
                    if (!TryReadLine(ref reader, out var trailer))
                    {
                        return BodyStatus.NeedMore;
                    }

                    if (trailer.IsEmpty)
                    {
                        _state = ChunkState.Done;
                    }

                    break;
                default:
                    return BodyStatus.Done;
            }
        }
    }

    /// <summary>Reads one line without its CRLF (or bare LF); false when no LF within the line limit yet.</summary>
    private readonly bool TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> line)
    {
        if (!reader.TryReadTo(out line, (byte)'\n'))
        {
            if (reader.Remaining > _maxLineLength)
            {
                throw FormatViolationException.WithBytes(FormatError.InvalidHttp, reader.UnreadSequence, $"chunk line longer than {_maxLineLength} bytes");
            }

            return false;
        }

        if (line.Length > _maxLineLength)
        {
            throw FormatViolationException.WithBytes(FormatError.InvalidHttp, line, $"chunk line longer than {_maxLineLength} bytes");
        }

        if (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }

        return true;
    }

    private static long ParseChunkSize(in ReadOnlySequence<byte> line, in ReadOnlySequence<byte> input)
    {
        // chunk-size [ chunk-ext ]: hex digits, then optionally whitespace or ';' and extensions we ignore.
        var length = (int)line.Length;
        Span<byte> copy = length <= 256 ? stackalloc byte[length] : new byte[length];
        var span = line.IsSingleSegment ? line.FirstSpan : CopyTo(line, copy);
        long size = 0;
        var digits = 0;
        foreach (var c in span)
        {
            var value = HexValue(c);
            if (value < 0)
            {
                if (digits > 0 && (c == (byte)';' || c == (byte)' ' || c == (byte)'\t'))
                {
                    break;
                }

                throw FormatViolationException.WithBytes(FormatError.InvalidHttp, input, "invalid chunk size");
            }

            if (++digits > 15)
            {
                throw FormatViolationException.WithBytes(FormatError.InvalidHttp, input, "chunk size too large");
            }

            size = (size << 4) | (uint)value;
        }

        if (digits == 0)
        {
            throw FormatViolationException.WithBytes(FormatError.InvalidHttp, input, "missing chunk size");
        }

        return size;
    }

    private static ReadOnlySpan<byte> CopyTo(in ReadOnlySequence<byte> line, Span<byte> destination)
    {
        line.CopyTo(destination);
        return destination[..(int)line.Length];
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
