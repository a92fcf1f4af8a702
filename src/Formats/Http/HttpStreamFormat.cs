using System.Globalization;
using System.IO.Pipelines;

namespace Fnagent.Formats;

/// <summary>
/// The <c>http-stream</c> format of today's Fn FDKs (docs/protocols.md §5): the http
/// codec over a Unix socket instead of stdin/stdout, with the call carried in
/// <c>Fn-*</c> headers. Transport and format are separate: this class only frames bytes.
/// </summary>
/// <remarks>
/// Immutable and safe to share; per connection, one call at a time.
/// <see cref="ReadResponseAsync"/> returns the FDK's raw answer (200, 502, 504...); only a
/// 200 is the function's own answer, which <see cref="ToCallerResponse"/> turns into what the
/// caller sees. What the other statuses mean for the process is the agent's rule, not the codec's.
/// </remarks>
public sealed class HttpStreamFormat(FormatLimits? limits = null) : IFunctionFormat
{
    private const string CallerHeaderPrefix = "Fn-Http-H-";
    private readonly HttpFormat _http = new(limits);

    public string Name => "http-stream";

    public ValueTask WriteRequestAsync(FunctionRequest request, PipeWriter output, CancellationToken ct) =>
        HttpFormat.WriteRequestAsync(request, output, static (r, length, o) => HttpStreamRequestHeadWriter.Instance.WriteMessage(r, length, o), ct);

    public ValueTask<FunctionResponse> ReadResponseAsync(PipeReader input, CancellationToken ct) => _http.ReadResponseAsync(input, ct);

    /// <summary>
    /// The function's answer as the caller sees it: status from <c>Fn-Http-Status</c> (else
    /// 200), headers from <c>Fn-Http-H-*</c> with the prefix removed, plus Content-Type; the
    /// body is the raw one, still streaming. Throws
    /// <see cref="FormatViolationException"/> for a <c>Fn-Http-Status</c> that is not a status.
    /// </summary>
    public static FunctionResponse ToCallerResponse(FunctionResponse raw)
    {
        var status = 200;
        var headers = new FunctionHeaders();
        foreach (var (name, values) in raw.Headers)
        {
            if (name.Equals("Fn-Http-Status", StringComparison.OrdinalIgnoreCase))
            {
                if (!int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out status) || status is < 100 or > 999)
                {
                    throw new FormatViolationException(FormatError.InvalidHttp, $"Fn-Http-Status {values[0]}");
                }
            }
            else if (name.Length > CallerHeaderPrefix.Length && name.StartsWith(CallerHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                foreach (var value in values)
                {
                    headers.Add(name[CallerHeaderPrefix.Length..], value);
                }
            }
        }

        // The caller's Content-Type: the FDK's own, unless the function set one through Fn-Http-H-.
        var contentType = headers.Get("Content-Type") ?? raw.ContentType;
        headers.Remove("Content-Type");
        return new FunctionResponse
        {
            StatusCode = status,
            Headers = headers,
            ContentType = contentType,
            ContentLength = raw.ContentLength,
            Body = raw.Body,
            CloseRequested = raw.CloseRequested,
        };
    }
}
