namespace Fnagent.Invocation;

/// <summary>
/// Thrown by a request body stream when the body cannot be read to its end: it stopped
/// before its declared end or broke its framing (400), arrived too slowly (408), or its
/// caller went away mid-body. A runner that gets it must not let the function take what
/// it has for the whole body: a cold process is killed before its stdin closes, a hot one
/// is discarded (docs/protocols.md §2, §7).
/// </summary>
public sealed class RequestBodyIncompleteException(FunctionErrorKind kind, string message, Exception? inner)
    : IOException(message, inner)
{
    /// <summary>The call's error: <see cref="FunctionErrorKind.RequestBodyIncomplete"/>, <see cref="FunctionErrorKind.RequestBodyTimeout"/> or <see cref="FunctionErrorKind.CallerGone"/>.</summary>
    public FunctionError Error { get; } = new(kind, message);
}
