using System.IO.Pipelines;

namespace Fnagent.Formats;

/// <summary>
/// The cold <c>default</c> format (docs/protocols.md §2): the call's head travels in the
/// environment of the process started for it (<see cref="AddCallEnvironment"/>), the request
/// body is streamed to stdin and stdin is closed; stdout, to its end, is the response body,
/// streamed.
/// </summary>
/// <remarks>
/// Immutable and safe to share. <see cref="WriteRequestAsync"/> completes the writer (end of
/// input) once the body is copied; the response body ends when the reader completes and
/// throws <see cref="FormatViolationException"/> (<see cref="FormatError.ResponseTooLarge"/>)
/// past <see cref="FormatLimits.MaxResponseSize"/>.
/// </remarks>
public sealed class DefaultFormat : IFunctionFormat
{
    private const string HeaderPrefix = "FN_HEADER_";
    private readonly FormatLimits _limits;

    public DefaultFormat(FormatLimits? limits = null)
    {
        _limits = limits ?? FormatLimits.Default;
    }

    public string Name => "default";

    /// <summary>
    /// <c>FN_CALL_ID</c>, <c>FN_DEADLINE</c>, <c>FN_METHOD</c>, <c>FN_REQUEST_URL</c> and one
    /// <c>FN_HEADER_*</c> per request header (docs/protocols.md §2), over what is already there.
    /// </summary>
    public void AddCallEnvironment(Dictionary<string, string> environment, FunctionRequest request)
    {
        environment["FN_CALL_ID"] = request.CallId;
        environment["FN_DEADLINE"] = request.DeadlineText;
        environment["FN_METHOD"] = request.Method;
        environment["FN_REQUEST_URL"] = request.RequestUrl;
        HashSet<string>? fromHeaders = null;
        foreach (var (name, values) in request.Headers)
        {
            // Departure from Fn (docs/protocols.md §2): no bare $X variables, and names outside
            // [A-Za-z0-9_-] are dropped rather than mangled.
            if (HeaderVariable(name) is not { } variable)
            {
                continue;
            }

            // X-User and X_User name the same variable: their values are joined in request
            // order, like repeated values. The last one used to win, which let a caller add
            // X_User to override the X-User a proxy set after stripping the caller's own.
            var joined = string.Join(", ", values);
            environment[variable] = (fromHeaders ??= new(StringComparer.Ordinal)).Add(variable) ? joined : environment[variable] + ", " + joined;
        }
    }

    /// <summary><c>FN_HEADER_</c> and the name upper-cased with <c>-</c> as <c>_</c>, or null for a name outside <c>[A-Za-z0-9_-]</c>.</summary>
    public static string? HeaderVariable(string headerName)
    {
        if (headerName.Length == 0)
        {
            return null;
        }

        foreach (var c in headerName)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return null;
            }
        }

        // One string, built in place: the name is ASCII, so upper-casing it char by char is exact.
        return string.Create(HeaderPrefix.Length + headerName.Length, headerName, static (span, name) =>
        {
            HeaderPrefix.CopyTo(span);
            var rest = span[HeaderPrefix.Length..];
            for (var i = 0; i < name.Length; i++)
            {
                rest[i] = name[i] == '-' ? '_' : char.ToUpperInvariant(name[i]);
            }
        });
    }

    public async ValueTask WriteRequestAsync(FunctionRequest request, PipeWriter output, CancellationToken ct)
    {
        await request.Body.CopyToAsync(output, ct).ConfigureAwait(false);
        await output.CompleteAsync().ConfigureAwait(false);
    }

    public ValueTask<FunctionResponse> ReadResponseAsync(FunctionRequest request, PipeReader input, CancellationToken ct) =>
        ValueTask.FromResult(new FunctionResponse
        {
            Body = new ResponseBodyStream(input, HttpBodyDecoder.UntilEnd(), _limits.MaxResponseSize),
        });
}
