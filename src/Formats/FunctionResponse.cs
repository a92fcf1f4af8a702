namespace Fnagent.Formats;

/// <summary>
/// What a function answered: status, headers and a body that streams as the function
/// writes it. Whoever receives a response reads <see cref="Body"/> to its end (or
/// abandons the call) and then disposes it.
/// </summary>
public sealed class FunctionResponse : IAsyncDisposable
{
    public int StatusCode { get; set; } = 200;

    /// <summary>Headers for the caller, Content-Type excluded (see <see cref="ContentType"/>).</summary>
    public FunctionHeaders Headers { get; init; } = new();

    /// <summary>Content-Type for the caller, or null for none.</summary>
    public string? ContentType { get; set; }

    /// <summary>The body length when known in advance, else null.</summary>
    public long? ContentLength { get; set; }

    /// <summary>The response body, streamed.</summary>
    public Stream Body { get; set; } = Stream.Null;

    /// <summary>
    /// The function asked to end the conversation after this response (http
    /// <c>Connection: close</c>): the call succeeds, then the pool retires the process
    /// (docs/protocols.md §4).
    /// </summary>
    public bool CloseRequested { get; set; }

    /// <summary>
    /// A protocol violation noticed once this response was already complete (bytes after a
    /// json response). The response stands; the pool discards the process and logs this
    /// (docs/protocols.md §3). Null when none was seen.
    /// </summary>
    public FormatViolationException? Violation { get; set; }

    /// <summary>Whether this is the function's answer or a report of its runtime about the call.</summary>
    public ResponseKind Kind { get; set; } = ResponseKind.Answer;

    /// <summary>
    /// For <see cref="ResponseKind.FunctionFailed"/> and <see cref="ResponseKind.StatusNotAllowed"/>:
    /// what the runtime said (its error body as one line, bounded), for the call's log; else null.
    /// </summary>
    public string? Report { get; set; }

    public ValueTask DisposeAsync() => Body.DisposeAsync();
}
