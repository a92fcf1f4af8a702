namespace Fnagent.Formats;

/// <summary>Why a function's output (or a request for it) broke its format's contract.</summary>
public enum FormatError
{
    /// <summary>Output that is not a json response object (docs/protocols.md §3).</summary>
    InvalidJson,

    /// <summary>An unparseable status line, header or chunk (docs/protocols.md §4).</summary>
    InvalidHttp,

    /// <summary>A response (or http response head) over its size limit.</summary>
    ResponseTooLarge,

    /// <summary>The function's output ended in the middle of a response.</summary>
    IncompleteResponse,

    /// <summary>Bytes after a complete response: the response stands, the process is discarded.</summary>
    TrailingBytes,

    /// <summary>A json-format request body that is not UTF-8; the agent answers 415.</summary>
    BodyNotUtf8,

    /// <summary>An http response with neither Content-Length nor chunked framing and a status that has a body.</summary>
    NoFraming,

    /// <summary>A request body over the format's limit (json reads it whole); the agent answers 413.</summary>
    RequestTooLarge,
}
