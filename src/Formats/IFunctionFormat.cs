using System.IO.Pipelines;

namespace Fnagent.Formats;

/// <summary>
/// How one function format carries calls over a process's stdin/stdout: the pool speaks
/// every hot and cold format through this interface.
/// </summary>
/// <remarks>
/// Implementations are immutable and safe to share between processes and threads; per
/// pipe, calls are sequential: write a request, read its response, read that response's
/// body to its end (or dispose it and discard the process), then the next call.
/// </remarks>
public interface IFunctionFormat
{
    /// <summary>The format's name in func.yml: <c>default</c>, <c>json</c>, <c>http</c> or <c>http-stream</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Adds what a call carries in the environment of a process started for it alone (a cold
    /// format: docs/protocols.md §2). Hot formats carry the whole call in the request and add
    /// nothing. Pure: reads <paramref name="request"/>'s head, never its body.
    /// </summary>
    void AddCallEnvironment(Dictionary<string, string> environment, FunctionRequest request)
    {
    }

    /// <summary>
    /// Writes one request (head and the whole body, streamed from <see cref="FunctionRequest.Body"/>)
    /// and flushes. Returns when the last byte is flushed.
    /// </summary>
    /// <exception cref="FormatViolationException">The request cannot be carried by this format (json: body not UTF-8 or too large).</exception>
    ValueTask WriteRequestAsync(FunctionRequest request, PipeWriter output, CancellationToken ct);

    /// <summary>
    /// Reads the response to <paramref name="request"/> up to its body. The result's
    /// <see cref="FunctionResponse.Body"/> yields the body as it arrives and ends at the end of
    /// this message (for <c>default</c>, the end of the output; for a response that has none,
    /// such as http's answer to <c>HEAD</c>, at once); it throws
    /// <see cref="FormatViolationException"/> when the output ends early or the body passes the
    /// size limit. <see cref="FunctionResponse.Kind"/> says whether it is the function's answer.
    /// </summary>
    /// <exception cref="FormatViolationException">The output is not a response of this format, or ended before one.</exception>
    ValueTask<FunctionResponse> ReadResponseAsync(FunctionRequest request, PipeReader input, CancellationToken ct);

    /// <summary>
    /// Whether the function wrote bytes after its last response that nobody asked for (call it
    /// after the body was read to its end, before the next request). Never waits. When true the
    /// finished call stands and the process should be discarded (docs/protocols.md §3).
    /// </summary>
    bool HasPendingBytes(PipeReader input, out ReadOnlyMemory<byte> firstBytes) =>
        MessageReadLoop.HasPendingBytes(input, skipWhitespace: false, out firstBytes);
}
