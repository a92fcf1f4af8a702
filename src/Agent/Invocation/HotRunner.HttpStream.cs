using System.Text;
using System.Text.Json;
using Fnagent.Formats;
using Fnagent.Pool;

namespace Fnagent.Invocation;

/// <summary>What an http-stream FDK's raw status means (docs/protocols.md §5).</summary>
public sealed partial class HotRunner
{
    private const int MaxErrorBodyBytes = 16 * 1024;

    /// <summary>
    /// 200: the function's own answer, mapped for the caller. 502: the function failed and
    /// the FDK lives on (its error body goes to the log, read to its end so the connection is
    /// clean for the next call). 504: the FDK saw the deadline pass. Anything else: the FDK is
    /// broken; the process is discarded.
    /// </summary>
    private async Task<(FunctionResponse Answer, FunctionError? Error)> InterpretHttpStreamAsync(Call call, HotProcess process,
        FunctionResponse raw, CancellationToken stop)
    {
        switch (raw.StatusCode)
        {
            case 200:
                try
                {
                    return (HttpStreamFormat.ToCallerResponse(raw), null);
                }
                catch (FormatViolationException e)
                {
                    await raw.DisposeAsync().ConfigureAwait(false);
                    return (raw, Violation(call, process, e));
                }

            case 502:
                var detail = await ReadErrorBodyAsync(raw, stop).ConfigureAwait(false);
                call.Log.Append($"fnagent: the function failed: {detail}");
                return (raw, new FunctionError(FunctionErrorKind.FunctionFailed, "function failed; its log has the details"));

            case 504:
                await raw.DisposeAsync().ConfigureAwait(false);
                return (raw, new FunctionError(FunctionErrorKind.Timeout, $"function timed out after {call.Function.Timeout.TotalSeconds:0.###}s (reported by its FDK)"));

            default:
                var body = await ReadErrorBodyAsync(raw, stop).ConfigureAwait(false);
                LogDiscard(call, process, new FormatViolationException(FormatError.InvalidHttp, $"http-stream status {raw.StatusCode}", Encoding.UTF8.GetBytes(body)));
                return (raw, new FunctionError(FunctionErrorKind.ProtocolViolation,
                    $"function answered with status {raw.StatusCode} over http-stream; only 200, 502 and 504 are allowed"));
        }
    }

    /// <summary>The FDK's error body (<c>{"message","detail"}</c>) as one line, bounded; the body is read to its end.</summary>
    private static async Task<string> ReadErrorBodyAsync(FunctionResponse raw, CancellationToken stop)
    {
        await using (raw.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[4096];
            int read;
            while ((read = await raw.Body.ReadAsync(chunk, stop).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length < MaxErrorBodyBytes)
                {
                    buffer.Write(chunk, 0, (int)Math.Min(read, MaxErrorBodyBytes - buffer.Length));
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
