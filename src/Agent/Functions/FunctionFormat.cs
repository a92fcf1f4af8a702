namespace Fnagent.Functions;

/// <summary>
/// How the agent talks to a function's process (docs/protocols.md §2–5, §8): the id of a row of
/// <see cref="FunctionFormats"/>, which says everything that varies per format.
/// </summary>
public enum FunctionFormat
{
    /// <summary>Cold: one process per call, body on stdin, stdout is the response.</summary>
    Default,

    /// <summary>Hot: one JSON object per call over stdin/stdout.</summary>
    Json,

    /// <summary>Hot: HTTP/1.1 messages over stdin/stdout.</summary>
    Http,

    /// <summary>Hot: HTTP/1.1 over a Unix socket named by FN_LISTENER (current Fn FDKs).</summary>
    HttpStream,

    /// <summary>Hot: the process is an HTTP server (Direktiv custom functions).</summary>
    Direktiv,
}
