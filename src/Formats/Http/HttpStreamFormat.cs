using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace Fnagent.Formats;

/// <summary>
/// The <c>http-stream</c> format of today's Fn FDKs (docs/protocols.md §5): the http
/// codec over a Unix socket instead of stdin/stdout, with the call carried in
/// <c>Fn-*</c> headers. Transport and format are separate: this class only frames bytes.
/// </summary>
/// <remarks>
/// Immutable and safe to share; per connection, one call at a time. The FDK's raw status says
/// what its response is (<see cref="FunctionResponse.Kind"/>): 200 is the function's own answer,
/// returned as the caller sees it (<see cref="ToCallerResponse"/>); 502 is the function's
/// failure, its error body read (bounded) to its end so the connection is clean for the next
/// call; 504 is the FDK's report that the deadline passed; any other status is one the format
/// does not allow, its body read like a 502's. What each means for the process is the agent's
/// rule, not the codec's.
/// </remarks>
public sealed class HttpStreamFormat(FormatLimits? limits = null) : IFunctionFormat
{
    /// <summary>How much of an FDK's error body is kept for the call's log.</summary>
    public const int MaxReportBytes = 16 * 1024;

    private const string CallerHeaderPrefix = "Fn-Http-H-";
    private readonly HttpFormat _http = new(limits);

    public string Name => "http-stream";

    public ValueTask WriteRequestAsync(FunctionRequest request, PipeWriter output, CancellationToken ct) =>
        HttpFormat.WriteRequestAsync(request, output, static (r, length, o) => HttpStreamRequestHeadWriter.Instance.WriteMessage(r, length, o), ct);

    /// <summary>
    /// Reads the FDK's response and says what it is (see remarks). The request to the FDK is
    /// always <c>POST /call</c>, whatever the caller's method: its response has a body even
    /// when the caller's request was a <c>HEAD</c>.
    /// </summary>
    /// <exception cref="FormatViolationException">Not an http response, or a 200 whose <c>Fn-Http-Status</c> is not a status.</exception>
    public async ValueTask<FunctionResponse> ReadResponseAsync(FunctionRequest request, PipeReader input, CancellationToken ct)
    {
        var raw = await _http.ReadResponseAsync(input, "POST", ct).ConfigureAwait(false);
        switch (raw.StatusCode)
        {
            case 200:
                try
                {
                    return ToCallerResponse(raw);
                }
                catch (FormatViolationException)
                {
                    await raw.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

            case 502:
                raw.Kind = ResponseKind.FunctionFailed;
                raw.Report = await ReadReportAsync(raw, ct).ConfigureAwait(false);
                return raw;

            case 504:
                raw.Kind = ResponseKind.TimedOut;
                await raw.DisposeAsync().ConfigureAwait(false);
                return raw;

            default:
                raw.Kind = ResponseKind.StatusNotAllowed;
                raw.Report = await ReadReportAsync(raw, ct).ConfigureAwait(false);
                return raw;
        }
    }

    /// <summary>
    /// The function's answer as the caller sees it: status from <c>Fn-Http-Status</c> (else
    /// 200), headers from <c>Fn-Http-H-*</c> with the prefix removed, plus Content-Type; the
    /// body is the raw one, still streaming. Throws
    /// <see cref="FormatViolationException"/> for a <c>Fn-Http-Status</c> that is not a status.
    /// </summary>
    private static FunctionResponse ToCallerResponse(FunctionResponse raw)
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

    /// <summary>
    /// The FDK's error body (<c>{"message","detail"}</c>: "message: detail"; any other body as it
    /// is) as one line of at most <see cref="MaxReportBytes"/>; the body is read to its end and disposed.
    /// </summary>
    private static async Task<string> ReadReportAsync(FunctionResponse raw, CancellationToken ct)
    {
        await using (raw.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[4096];
            int read;
            while ((read = await raw.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length < MaxReportBytes)
                {
                    buffer.Write(chunk, 0, (int)Math.Min(read, MaxReportBytes - buffer.Length));
                }
            }

            var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            try
            {
                using var json = JsonDocument.Parse(text);
                var root = json.RootElement;
                var message = root.TryGetProperty("message", out var m) ? m.GetString() : null;
                var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
                return string.Join(": ", new[] { message, detail }.Where(x => !string.IsNullOrEmpty(x)));
            }
            catch (JsonException)
            {
                return text;
            }
        }
    }
}
