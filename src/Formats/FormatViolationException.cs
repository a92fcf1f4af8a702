using System.Buffers;

namespace Fnagent.Formats;

/// <summary>
/// A function (or a request) broke its format's contract. <see cref="Exception.Message"/> is
/// what the caller sees (docs/protocols.md §3, §4 and §7); <see cref="Detail"/> and
/// <see cref="FirstBytes"/> are for the call's log only.
/// </summary>
public sealed class FormatViolationException : Exception
{
    /// <summary>How many bytes of the offending output are kept for the log.</summary>
    public const int MaxFirstBytes = 256;

    public FormatViolationException(FormatError error, string? detail = null, ReadOnlyMemory<byte> firstBytes = default, long limit = 0)
        : base(MessageFor(error, limit))
    {
        Error = error;
        Detail = detail;
        FirstBytes = firstBytes.Length > MaxFirstBytes ? firstBytes[..MaxFirstBytes] : firstBytes;
    }

    /// <summary>The kind of violation; the agent maps it to a status in one place.</summary>
    public FormatError Error { get; }

    /// <summary>What exactly was wrong, for the call's log, or null.</summary>
    public string? Detail { get; }

    /// <summary>Up to <see cref="MaxFirstBytes"/> bytes of what was actually seen, for the call's log.</summary>
    public ReadOnlyMemory<byte> FirstBytes { get; }

    /// <summary>Builds the exception with a copy of the first bytes of <paramref name="seen"/>.</summary>
    public static FormatViolationException WithBytes(FormatError error, in ReadOnlySequence<byte> seen, string? detail = null, long limit = 0)
    {
        var copy = seen.Length > MaxFirstBytes ? seen.Slice(0, MaxFirstBytes).ToArray() : seen.ToArray();
        return new FormatViolationException(error, detail, copy, limit);
    }

    private static string MessageFor(FormatError error, long limit) => error switch
    {
        FormatError.InvalidJson => "invalid json response from function",
        FormatError.InvalidHttp => "invalid http response from function",
        FormatError.ResponseTooLarge => $"function response too large (limit {limit} bytes)",
        FormatError.IncompleteResponse => "function output ended in the middle of a response",
        FormatError.TrailingBytes => "function wrote bytes after its response",
        FormatError.BodyNotUtf8 => "request body is not valid UTF-8; the json format carries text only, use the http format for binary bodies",
        FormatError.NoFraming => "invalid http response from function: neither Content-Length nor chunked framing",
        FormatError.RequestTooLarge => $"request body too large (limit {limit} bytes)",
        _ => "function broke its format",
    };
}
