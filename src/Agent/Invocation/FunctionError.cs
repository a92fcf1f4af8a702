namespace Fnagent.Invocation;

/// <summary>
/// A failed call as a value (exceptions become one in <see cref="FunctionErrors"/>). Which
/// HTTP status the caller sees is decided here and nowhere else (docs/protocols.md §7);
/// whether the failure leaves doubt about the process (<see cref="KeepsProcess"/>) is one
/// fact of the rule that decides whether a hot process may serve another call,
/// <see cref="ExchangeFacts.Fate"/>.
/// </summary>
public sealed record FunctionError(FunctionErrorKind Kind, string Message)
{
    /// <summary>
    /// The function's own error code (Direktiv's <c>Direktiv-ErrorCode</c>), or null. A
    /// function error with a code is catchable: the function worked and refused the input
    /// by name, so retrying the same call cannot help (docs/protocols.md §8).
    /// </summary>
    public string? Code { get; init; }

    /// <summary>Seconds a caller should wait before retrying after a 503.</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>True when the caller should try again later: its answer carries <c>Retry-After</c>.</summary>
    public bool RetryLater => Kind is FunctionErrorKind.NoCapacity or FunctionErrorKind.NotStored;

    public int Status => Kind switch
    {
        FunctionErrorKind.NotFound => 404,
        FunctionErrorKind.RequestTooLarge => 413,
        FunctionErrorKind.UnsupportedBody => 415,
        FunctionErrorKind.RequestBodyIncomplete => 400,
        FunctionErrorKind.RequestBodyTimeout => 408,
        FunctionErrorKind.NoCapacity or FunctionErrorKind.NotStored => 503,
        FunctionErrorKind.Timeout => 504,
        FunctionErrorKind.CallerGone => 499,
        FunctionErrorKind.FunctionFailed when Code is not null => 422,
        _ => 502,
    };

    /// <summary>
    /// False when the process must never serve another call, whatever else the exchange
    /// established: after a timeout, a protocol violation, an oversize response or a caller
    /// abort mid-call, late bytes of this call could still reach the next caller. Only the
    /// function's own failure (an FDK's 502) leaves it serving.
    /// </summary>
    public bool KeepsProcess => Kind is FunctionErrorKind.FunctionFailed;

    /// <summary>The error as the caller sees it: <c>{"error":{"message":"...","code":"..."}}</c>, code only when set.</summary>
    public byte[] ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 + Message.Length);
        // Relaxed escaping: an API body, never embedded in HTML; "'" stays readable.
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", Message);
            if (Code is not null)
            {
                writer.WriteString("code", Code);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
