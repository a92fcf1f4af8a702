using System.IO.Pipelines;

namespace Fnagent.Formats;

/// <summary>
/// The cold <c>default</c> format (docs/protocols.md §2): the request body is streamed to
/// stdin and stdin is closed; stdout, to its end, is the response body, streamed. Everything
/// else travels in the environment, which is the process layer's business.
/// </summary>
/// <remarks>
/// Immutable and safe to share. <see cref="WriteRequestAsync"/> completes the writer (end of
/// input) once the body is copied; the response body ends when the reader completes and
/// throws <see cref="FormatViolationException"/> (<see cref="FormatError.ResponseTooLarge"/>)
/// past <see cref="FormatLimits.MaxResponseSize"/>.
/// </remarks>
public sealed class DefaultFormat : IFunctionFormat
{
    private readonly FormatLimits _limits;

    public DefaultFormat(FormatLimits? limits = null)
    {
        _limits = limits ?? FormatLimits.Default;
    }

    public string Name => "default";

    public async ValueTask WriteRequestAsync(FunctionRequest request, PipeWriter output, CancellationToken ct)
    {
        await request.Body.CopyToAsync(output, ct).ConfigureAwait(false);
        await output.CompleteAsync().ConfigureAwait(false);
    }

    public ValueTask<FunctionResponse> ReadResponseAsync(PipeReader input, CancellationToken ct) =>
        ValueTask.FromResult(new FunctionResponse
        {
            Body = new ResponseBodyStream(input, HttpBodyDecoder.UntilEnd(), _limits.MaxResponseSize),
        });
}
