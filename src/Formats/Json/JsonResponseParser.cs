using System.Buffers;
using System.Text.Json;

namespace Fnagent.Formats;

/// <summary>
/// Parses a complete json response object. The top level is walked here so that the
/// <c>body</c> string, the only large value, is found with vectorized searches and unescaped
/// in one pass (<see cref="Utf8JsonReader"/> validates a string containing escapes byte by byte,
/// which is much slower on large bodies: docs/performance.md). Every other value is parsed and validated by
/// <see cref="Utf8JsonReader"/>. Stateless.
/// </summary>
internal static partial class JsonResponseParser
{
    /// <summary>Parses <paramref name="json"/>, which starts with '{' and ends with its matching '}'.</summary>
    public static JsonResponse Parse(in ReadOnlySequence<byte> json, in ReadOnlySequence<byte> seen)
    {
        try
        {
            return ParseObject(json, seen);
        }
        catch (JsonException e)
        {
            throw Invalid(seen, e.Message);
        }
    }

    private static JsonResponse ParseObject(in ReadOnlySequence<byte> json, in ReadOnlySequence<byte> seen)
    {
        var reader = new SequenceReader<byte>(json);
        reader.Advance(1);
        ReadOnlyMemory<byte>? body = null;
        byte[]? rented = null;
        try
        {
            return ParseProperties(ref reader, json, seen, ref body, ref rented);
        }
        catch
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            throw;
        }
    }

    private static JsonResponse ParseProperties(ref SequenceReader<byte> reader, in ReadOnlySequence<byte> json, in ReadOnlySequence<byte> seen, ref ReadOnlyMemory<byte>? body, ref byte[]? rented)
    {
        var statusCode = 200;
        string? contentType = null;
        FunctionHeaders? headers = null;
        SkipWhitespace(ref reader);
        if (Peek(ref reader, seen) == (byte)'}')
        {
            throw Invalid(seen, "response has no body");
        }

        while (true)
        {
            if (Peek(ref reader, seen) != (byte)'"')
            {
                throw Invalid(seen, "expected a property name");
            }

            var keyStart = reader.Position;
            reader.Advance(1);
            SkipStringRest(ref reader, seen);
            var key = json.Slice(keyStart, reader.Position);
            SkipWhitespace(ref reader);
            if (Peek(ref reader, seen) != (byte)':')
            {
                throw Invalid(seen, "expected ':'");
            }

            reader.Advance(1);
            SkipWhitespace(ref reader);
            var valueStart = reader.Position;
            var first = Peek(ref reader, seen);
            if (KeyIs(key, "\"body\""u8))
            {
                if (first == (byte)'"')
                {
                    // The body is unescaped while its end is searched for: one pass over the large value.
                    reader.Advance(1);
                    if (rented is not null)
                    {
                        throw Invalid(seen, "body given twice");
                    }

                    body = UnescapeString(ref reader, seen, out rented);
                }
                else
                {
                    SkipValue(ref reader, seen);
                    body = ParseNull(json.Slice(valueStart, reader.Position), seen, "body is not a string");
                }
            }
            else if (KeyIs(key, "\"content_type\""u8))
            {
                SkipValue(ref reader, seen);
                var valueReader = ValueReader(json.Slice(valueStart, reader.Position));
                contentType = ReadOptionalString(ref valueReader, seen, "content_type");
            }
            else if (KeyIs(key, "\"protocol\""u8))
            {
                SkipValue(ref reader, seen);
                var valueReader = ValueReader(json.Slice(valueStart, reader.Position));
                if (valueReader.TokenType == JsonTokenType.StartObject)
                {
                    ReadProtocol(ref valueReader, seen, ref statusCode, ref headers);
                }
                else if (valueReader.TokenType != JsonTokenType.Null)
                {
                    throw Invalid(seen, "protocol is not an object");
                }
            }
            else
            {
                // Unknown fields are ignored, but must still be JSON.
                SkipValue(ref reader, seen);
                var valueReader = ValueReader(json.Slice(valueStart, reader.Position));
                Validate(ref valueReader, seen);
            }

            SkipWhitespace(ref reader);
            var next = Peek(ref reader, seen);
            reader.Advance(1);
            if (next == (byte)'}')
            {
                break;
            }

            if (next != (byte)',')
            {
                throw Invalid(seen, "expected ',' or '}'");
            }

            SkipWhitespace(ref reader);
        }

        if (body is null)
        {
            throw Invalid(seen, "response has no body");
        }

        return new JsonResponse { StatusCode = statusCode, ContentType = contentType, Headers = headers, Body = body.Value, RentedBody = rented };
    }

    private static Utf8JsonReader ValueReader(in ReadOnlySequence<byte> value)
    {
        var reader = new Utf8JsonReader(value);
        reader.Read();
        return reader;
    }

    private static void Validate(ref Utf8JsonReader reader, in ReadOnlySequence<byte> seen)
    {
        try
        {
            reader.Skip();
            if (reader.Read())
            {
                throw Invalid(seen, "unexpected value");
            }
        }
        catch (JsonException e)
        {
            throw Invalid(seen, e.Message);
        }
    }

    private static ReadOnlyMemory<byte> ParseNull(in ReadOnlySequence<byte> value, in ReadOnlySequence<byte> seen, string detail) =>
        value.Length == 4 && value.IsSingleSegment && value.FirstSpan.SequenceEqual("null"u8) ? ReadOnlyMemory<byte>.Empty : throw Invalid(seen, detail);

    private static bool KeyIs(in ReadOnlySequence<byte> key, ReadOnlySpan<byte> expected)
    {
        if (key.Length != expected.Length)
        {
            return false;
        }

        if (key.IsSingleSegment)
        {
            return key.FirstSpan.SequenceEqual(expected);
        }

        Span<byte> copy = stackalloc byte[expected.Length];
        key.CopyTo(copy);
        return copy.SequenceEqual(expected);
    }

    private static byte Peek(ref SequenceReader<byte> reader, in ReadOnlySequence<byte> seen) =>
        reader.TryPeek(out var b) ? b : throw Invalid(seen, "object ended early");

    private static void SkipWhitespace(ref SequenceReader<byte> reader) => reader.AdvancePastAny(" \t\r\n"u8);

    /// <summary>Advances past the closing quote of a string whose opening quote was consumed.</summary>
    private static void SkipStringRest(ref SequenceReader<byte> reader, in ReadOnlySequence<byte> seen)
    {
        while (reader.TryAdvanceToAny("\"\\"u8, advancePastDelimiter: false))
        {
            reader.TryRead(out var b);
            if (b == (byte)'"')
            {
                return;
            }

            reader.Advance(1);
        }

        throw Invalid(seen, "unterminated string");
    }

    /// <summary>Advances past one value (string, object, array or scalar) without validating it.</summary>
    private static void SkipValue(ref SequenceReader<byte> reader, in ReadOnlySequence<byte> seen)
    {
        var first = Peek(ref reader, seen);
        if (first == (byte)'"')
        {
            reader.Advance(1);
            SkipStringRest(ref reader, seen);
            return;
        }

        if (first is (byte)'{' or (byte)'[')
        {
            var depth = 0;
            while (reader.TryAdvanceToAny("\"{}[]"u8, advancePastDelimiter: false))
            {
                reader.TryRead(out var b);
                switch (b)
                {
                    case (byte)'"':
                        SkipStringRest(ref reader, seen);
                        break;
                    case (byte)'{' or (byte)'[':
                        depth++;
                        break;
                    default:
                        if (--depth == 0)
                        {
                            return;
                        }

                        break;
                }
            }

            throw Invalid(seen, "unterminated value");
        }

        if (!reader.TryAdvanceToAny(",}] \t\r\n"u8, advancePastDelimiter: false))
        {
            throw Invalid(seen, "unterminated value");
        }
    }
}
