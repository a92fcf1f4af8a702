namespace Fnagent.Formats;

/// <summary>
/// What a response read from a function process is: the function's own answer, or what the
/// runtime around the function (an FDK's HTTP server) reports about the call. Every response
/// of <c>default</c>, <c>json</c> and <c>http</c> is an answer; over <c>http-stream</c> the
/// FDK's status says which (docs/protocols.md §5). The agent maps each to the caller's error
/// and to what becomes of the process.
/// </summary>
/// <remarks>One byte: it fits beside a response's status, so a response is no larger for it.</remarks>
public enum ResponseKind : byte
{
    /// <summary>The function's answer, as the caller gets it (http-stream: status 200, mapped).</summary>
    Answer,

    /// <summary>
    /// The function failed and its runtime lives on (http-stream 502). The runtime's error body
    /// was read to its end; <see cref="FunctionResponse.Report"/> holds it as one line.
    /// </summary>
    FunctionFailed,

    /// <summary>The runtime saw the call's deadline pass (http-stream 504). The body is left unread.</summary>
    TimedOut,

    /// <summary>
    /// A status the format does not allow (http-stream: anything but 200, 502, 504): the runtime
    /// is broken. The body was read to its end; <see cref="FunctionResponse.Report"/> holds it.
    /// </summary>
    StatusNotAllowed,
}
