using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Fnagent.Formats;

/// <summary>Values of a json response: the body string, content type, protocol and headers.</summary>
internal static partial class JsonResponseParser
{
    /// <summary>
    /// Reads a string whose opening quote was consumed, up to and including its closing quote,
    /// and returns its unescaped bytes in an array rented from <see cref="ArrayPool{T}.Shared"/>,
    /// checking that it holds no raw control character and is valid UTF-8.
    /// </summary>
    private static ReadOnlyMemory<byte> UnescapeString(ref SequenceReader<byte> reader, in ReadOnlySequence<byte> seen, out byte[] rented)
    {
        // Unescaping only shrinks, and the string ends before the object does: the rest of the
        // object bounds the output. A pooled buffer: a large body would otherwise be a fresh
        // large-object-heap array, and gen 2 collections, on every call.
        // On failure the caller returns it (once).
        rented = ArrayPool<byte>.Shared.Rent((int)reader.Remaining);
        return UnescapeInto(ref reader, rented, seen);
    }

    private static ReadOnlyMemory<byte> UnescapeInto(ref SequenceReader<byte> reader, byte[] output, in ReadOnlySequence<byte> seen)
    {
        var written = 0;
        while (true)
        {
            var span = reader.UnreadSpan;
            if (span.IsEmpty)
            {
                throw Invalid(seen, "unterminated body string");
            }

            var i = 0;
            while (true)
            {
                var j = IndexOfStringStop(span[i..]);
                if (j < 0)
                {
                    span[i..].CopyTo(output.AsSpan(written));
                    written += span.Length - i;
                    reader.Advance(span.Length);
                    break;
                }

                span.Slice(i, j).CopyTo(output.AsSpan(written));
                written += j;
                i += j;
                var stop = span[i];
                if (stop < 0x20)
                {
                    throw Invalid(seen, "control character in the body string");
                }

                if (stop == (byte)'"')
                {
                    reader.Advance(i + 1);
                    var body = output.AsMemory(0, written);
                    return Utf8.IsValid(body.Span) ? body : throw Invalid(seen, "body string is not valid UTF-8");
                }

                var simple = i + 1 < span.Length ? SimpleEscape(span[i + 1]) : -1;
                if (simple >= 0)
                {
                    output[written++] = (byte)simple;
                    i += 2;
                    continue;
                }

                // \u escapes and escapes that cross a segment boundary.
                reader.Advance(i + 1);
                written += UnescapeOne(ref reader, output.AsSpan(written), seen);
                break;
            }
        }
    }

    /// <summary>
    /// The index of the first quote, backslash or control character, or -1. One vectorized pass
    /// testing all three at once, faster than a general 34-value search (docs/performance.md).
    /// </summary>
    private static int IndexOfStringStop(ReadOnlySpan<byte> span)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated && span.Length >= Vector256<byte>.Count)
        {
            ref var start = ref MemoryMarshal.GetReference(span);
            var quote = Vector256.Create((byte)'"');
            var backslash = Vector256.Create((byte)'\\');
            var space = Vector256.Create((byte)0x20);
            for (; i <= span.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                var bytes = Vector256.LoadUnsafe(ref start, (nuint)i);
                var stops = Vector256.Equals(bytes, quote) | Vector256.Equals(bytes, backslash) | Vector256.LessThan(bytes, space);
                if (stops != Vector256<byte>.Zero)
                {
                    return i + BitOperations.TrailingZeroCount(stops.ExtractMostSignificantBits());
                }
            }
        }

        for (; i < span.Length; i++)
        {
            var b = span[i];
            if (b is (byte)'"' or (byte)'\\' or < 0x20)
            {
                return i;
            }
        }

        return -1;
    }

    private static int SimpleEscape(byte escape) => escape switch
    {
        (byte)'"' => '"',
        (byte)'\\' => '\\',
        (byte)'/' => '/',
        (byte)'b' => '\b',
        (byte)'f' => '\f',
        (byte)'n' => '\n',
        (byte)'r' => '\r',
        (byte)'t' => '\t',
        _ => -1,
    };

    /// <summary>Decodes the escape after a backslash (which was consumed); returns the bytes written.</summary>
    private static int UnescapeOne(ref SequenceReader<byte> reader, Span<byte> output, in ReadOnlySequence<byte> seen)
    {
        if (!reader.TryRead(out var escape))
        {
            throw Invalid(seen, "escape at the end of the body string");
        }

        byte simple = escape switch
        {
            (byte)'"' => (byte)'"',
            (byte)'\\' => (byte)'\\',
            (byte)'/' => (byte)'/',
            (byte)'b' => (byte)'\b',
            (byte)'f' => (byte)'\f',
            (byte)'n' => (byte)'\n',
            (byte)'r' => (byte)'\r',
            (byte)'t' => (byte)'\t',
            (byte)'u' => 0,
            _ => throw Invalid(seen, "invalid escape in the body string"),
        };
        if (escape != (byte)'u')
        {
            output[0] = simple;
            return 1;
        }

        int codePoint = ReadHex4(ref reader, seen);
        if (char.IsHighSurrogate((char)codePoint))
        {
            if (!reader.TryRead(out var b1) || b1 != (byte)'\\' || !reader.TryRead(out var b2) || b2 != (byte)'u')
            {
                throw Invalid(seen, "unpaired surrogate in the body string");
            }

            var low = ReadHex4(ref reader, seen);
            if (!char.IsLowSurrogate((char)low))
            {
                throw Invalid(seen, "unpaired surrogate in the body string");
            }

            codePoint = char.ConvertToUtf32((char)codePoint, (char)low);
        }
        else if (char.IsLowSurrogate((char)codePoint))
        {
            throw Invalid(seen, "unpaired surrogate in the body string");
        }

        return new Rune(codePoint).EncodeToUtf8(output);
    }

    private static int ReadHex4(ref SequenceReader<byte> reader, in ReadOnlySequence<byte> seen)
    {
        var value = 0;
        for (var i = 0; i < 4; i++)
        {
            if (!reader.TryRead(out var c))
            {
                throw Invalid(seen, "short \\u escape in the body string");
            }

            var digit = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                _ => throw Invalid(seen, "invalid \\u escape in the body string"),
            };
            value = (value << 4) | digit;
        }

        return value;
    }

    private static void ReadProtocol(ref Utf8JsonReader reader, in ReadOnlySequence<byte> seen, ref int statusCode, ref FunctionHeaders? headers)
    {
        try
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("status_code"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out statusCode) || statusCode is < 100 or > 999)
                    {
                        throw Invalid(seen, "protocol.status_code is not a status code");
                    }
                }
                else if (reader.ValueTextEquals("headers"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadHeaders(ref reader, seen, ref headers);
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        throw Invalid(seen, "protocol.headers is not an object");
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException e)
        {
            throw Invalid(seen, e.Message);
        }
    }

    private static void ReadHeaders(ref Utf8JsonReader reader, in ReadOnlySequence<byte> seen, ref FunctionHeaders? headers)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    // A single string instead of a list: accepted, some FDKs write it.
                    (headers ??= new FunctionHeaders()).Add(name, reader.GetString()!);
                    break;
                case JsonTokenType.StartArray:
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            throw Invalid(seen, $"header {name} has a value that is not a string");
                        }

                        (headers ??= new FunctionHeaders()).Add(name, reader.GetString()!);
                    }

                    break;
                case JsonTokenType.Null:
                    break;
                default:
                    throw Invalid(seen, $"header {name} is not a string or a list of strings");
            }
        }
    }

    private static string? ReadOptionalString(ref Utf8JsonReader reader, in ReadOnlySequence<byte> seen, string what)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw Invalid(seen, $"{what} is not a string");
        }

        // Common content types are handed out without allocating, even when split across segments.
        if (reader.ValueIsEscaped)
        {
            return reader.GetString();
        }

        if (!reader.HasValueSequence)
        {
            return HttpTokens.CommonValue(reader.ValueSpan) ?? reader.GetString();
        }

        var sequence = reader.ValueSequence;
        if (sequence.Length > 128)
        {
            return reader.GetString();
        }

        Span<byte> copy = stackalloc byte[(int)sequence.Length];
        sequence.CopyTo(copy);
        return HttpTokens.CommonValue(copy) ?? reader.GetString();
    }

    private static FormatViolationException Invalid(in ReadOnlySequence<byte> seen, string detail) =>
        FormatViolationException.WithBytes(FormatError.InvalidJson, seen, detail);
}
