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

    public ValueTask DisposeAsync() => Body.DisposeAsync();
}
