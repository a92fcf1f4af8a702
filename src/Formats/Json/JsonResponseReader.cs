using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Fnagent.Formats;

/// <summary>
/// Parses one json-format response object (PROTOCOLS.md section 3) from a function's stdout.
/// Whitespace before an object is dropped; any other byte before it, or an object that is
/// not valid JSON, is <see cref="FormatError.InvalidJson"/> carrying the first bytes seen.
/// Whitespace after the object is consumed; a non-whitespace byte directly after it in the
/// same input is reported in <see cref="JsonResponse.TrailingBytes"/> and left unconsumed
/// (the response stands, the process is discarded).
/// </summary>
/// <remarks>
/// Finding the end of the object is incremental: bytes already scanned are not scanned again
/// when more arrive, so a large response arriving in small reads costs linear time. That scan
/// state makes an instance single-use-at-a-time: one reader per read of a response; it resets
/// itself after each message or error. The object is then parsed once with
/// <see cref="Utf8JsonReader"/>, across segment boundaries. Pretty-printed objects are fine.
/// </remarks>
public sealed class JsonResponseReader : IMessageReader<JsonResponse>
{
    private static readonly SearchValues<byte> Structural = SearchValues.Create("\"{}[]"u8);
    private static readonly SearchValues<byte> StringSpecial = SearchValues.Create("\"\\"u8);

    private long _scanned;
    private int _depth;
    private bool _inString;
    private bool _escaped;

    public bool TryParseMessage(in ReadOnlySequence<byte> input, ref SequencePosition consumed, ref SequencePosition examined, [MaybeNullWhen(false)] out JsonResponse message)
    {
        message = default;
        var buffer = input;
        if (_scanned == 0)
        {
            // Between objects: drop whitespace; the next byte must open an object.
            var reader = new SequenceReader<byte>(input);
            reader.AdvancePastAny((byte)' ', (byte)'\t', (byte)'\r', (byte)'\n');
            consumed = reader.Position;
            examined = input.End;
            if (reader.End)
            {
                return false;
            }

            buffer = reader.UnreadSequence;
            if (buffer.FirstSpan[0] != (byte)'{')
            {
                throw FormatViolationException.WithBytes(FormatError.InvalidJson, buffer, "output does not start with a json object");
            }
        }

        try
        {
            var end = FindObjectEnd(buffer);
            if (end < 0)
            {
                examined = input.End;
                return false;
            }

            Reset();
            var json = buffer.Slice(0, end);
            message = Parse(json, buffer);

            var after = new SequenceReader<byte>(buffer.Slice(json.End));
            after.AdvancePastAny((byte)' ', (byte)'\t', (byte)'\r', (byte)'\n');
            consumed = after.Position;
            examined = consumed;
            if (!after.End)
            {
                var rest = after.UnreadSequence;
                var trailing = (rest.Length > FormatViolationException.MaxFirstBytes ? rest.Slice(0, FormatViolationException.MaxFirstBytes) : rest).ToArray();
                message = message with { TrailingBytes = trailing };
            }

            return true;
        }
        catch
        {
            Reset();
            throw;
        }
    }

    private void Reset()
    {
        _scanned = 0;
        _depth = 0;
        _inString = false;
        _escaped = false;
    }

    /// <summary>Scans from where the last call stopped; the length of the object, or -1 when it has not ended yet.</summary>
    private long FindObjectEnd(in ReadOnlySequence<byte> buffer)
    {
        var offset = _scanned;
        foreach (var segment in buffer.Slice(offset))
        {
            var span = segment.Span;
            var i = 0;
            while (i < span.Length)
            {
                if (_inString)
                {
                    if (_escaped)
                    {
                        _escaped = false;
                        i++;
                        continue;
                    }

                    var j = span[i..].IndexOfAny(StringSpecial);
                    if (j < 0)
                    {
                        break;
                    }

                    i += j;
                    if (span[i] == (byte)'\\')
                    {
                        _escaped = true;
                    }
                    else
                    {
                        _inString = false;
                    }

                    i++;
                }
                else
                {
                    var j = span[i..].IndexOfAny(Structural);
                    if (j < 0)
                    {
                        break;
                    }

                    i += j;
                    switch (span[i++])
                    {
                        case (byte)'"':
                            _inString = true;
                            break;
                        case (byte)'{' or (byte)'[':
                            _depth++;
                            break;
                        default:
                            if (--_depth == 0)
                            {
                                return offset + i;
                            }

                            break;
                    }
                }
            }

            offset += span.Length;
        }

        _scanned = offset;
        return -1;
    }

    private static JsonResponse Parse(in ReadOnlySequence<byte> json, in ReadOnlySequence<byte> seen)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            reader.Read();
            var statusCode = 200;
            string? contentType = null;
            FunctionHeaders? headers = null;
            ReadOnlyMemory<byte>? body = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("body"u8))
                {
                    reader.Read();
                    body = reader.TokenType switch
                    {
                        JsonTokenType.String => CopyString(ref reader),
                        JsonTokenType.Null => ReadOnlyMemory<byte>.Empty,
                        _ => throw Invalid(seen, "body is not a string"),
                    };
                }
                else if (reader.ValueTextEquals("content_type"u8))
                {
                    reader.Read();
                    contentType = ReadOptionalString(ref reader, seen, "content_type");
                }
                else if (reader.ValueTextEquals("protocol"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadProtocol(ref reader, seen, ref statusCode, ref headers);
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        throw Invalid(seen, "protocol is not an object");
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (body is null)
            {
                throw Invalid(seen, "response has no body");
            }

            return new JsonResponse { StatusCode = statusCode, ContentType = contentType, Headers = headers, Body = body.Value };
        }
        catch (JsonException e)
        {
            throw Invalid(seen, e.Message);
        }
    }

    private static void ReadProtocol(ref Utf8JsonReader reader, in ReadOnlySequence<byte> seen, ref int statusCode, ref FunctionHeaders? headers)
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

        // Common content types are handed out without allocating.
        if (!reader.HasValueSequence && !reader.ValueIsEscaped)
        {
            return HttpTokens.GetValueString(reader.ValueSpan);
        }

        return reader.GetString();
    }

    private static ReadOnlyMemory<byte> CopyString(ref Utf8JsonReader reader)
    {
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        // Unescaping only shrinks: allocate the escaped length, keep what was written.
        var bytes = new byte[length];
        var written = reader.CopyString(bytes);
        return bytes.AsMemory(0, written);
    }

    private static FormatViolationException Invalid(in ReadOnlySequence<byte> seen, string detail) =>
        FormatViolationException.WithBytes(FormatError.InvalidJson, seen, detail);
}
