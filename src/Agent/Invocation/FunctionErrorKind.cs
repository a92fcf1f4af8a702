namespace Fnagent.Invocation;

/// <summary>Every way a call can fail. Mapped to an HTTP status in one place: <see cref="FunctionError.Status"/>.</summary>
public enum FunctionErrorKind
{
    /// <summary>No such app, route or function.</summary>
    NotFound,

    /// <summary>The request body is over the limit.</summary>
    RequestTooLarge,

    /// <summary>The body cannot be carried by the format (json and a non-UTF-8 body).</summary>
    UnsupportedBody,

    /// <summary>The request body ended before its declared end (Content-Length, last chunk) or broke its framing.</summary>
    RequestBodyIncomplete,

    /// <summary>The request body arrived too slowly (the server's minimum data rate).</summary>
    RequestBodyTimeout,

    /// <summary>No process free within the queue wait; or too many async calls wait already.</summary>
    NoCapacity,

    /// <summary>An async call could not be stored (a full disk, a broken database): nothing of it was kept.</summary>
    NotStored,

    /// <summary>The deadline passed.</summary>
    Timeout,

    /// <summary>The process could not be started, or failed while starting.</summary>
    StartFailed,

    /// <summary>The process exited with a non-zero code, or mid-call.</summary>
    Exited,

    /// <summary>The process was stopped by one of its limits: memory, processes (the limit is in the message).</summary>
    OverLimit,

    /// <summary>The process wrote something its format does not allow.</summary>
    ProtocolViolation,

    /// <summary>The response is over the limit.</summary>
    ResponseTooLarge,

    /// <summary>The function reported an error of its own (http-stream 502, Direktiv error headers).</summary>
    FunctionFailed,

    /// <summary>The caller went away; nobody sees a status.</summary>
    CallerGone,
}
