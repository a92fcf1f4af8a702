using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Fnagent.Formats;

/// <summary>
/// Parses one json-format response object (docs/protocols.md §3) from a function's stdout.
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
/// itself after each message or error. The object is then parsed once (see <see cref="JsonResponseParser"/>), across segment boundaries. Pretty-printed objects are fine.
/// </remarks>
public sealed class JsonResponseReader : IMessageReader<JsonResponse>
{
    private static readonly SearchValues<byte> Structural = SearchValues.Create("\"{}[]"u8);

    private long _scanned;
    private int _depth;
    private bool _inString;
    private long _backslashes;

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
            message = JsonResponseParser.Parse(json, buffer);

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
        _backslashes = 0;
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
                    // Only quotes can end a string, so search for quotes alone and count the
                    // backslashes before one: escapes such as \n cost nothing, and a run of
                    // backslashes may have started in an earlier segment.
                    var j = span[i..].IndexOf((byte)'"');
                    if (j < 0)
                    {
                        var tail = span[i..];
                        var run = tail.Length - 1 - tail.LastIndexOfAnyExcept((byte)'\\');
                        _backslashes = run == tail.Length ? _backslashes + run : run;
                        break;
                    }

                    var before = span.Slice(i, j);
                    long count = before.Length - 1 - before.LastIndexOfAnyExcept((byte)'\\');
                    if (count == before.Length)
                    {
                        count += _backslashes;
                    }

                    _backslashes = 0;
                    i += j + 1;
                    if (count % 2 == 0)
                    {
                        _inString = false;
                    }
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
                            _backslashes = 0;
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
}
