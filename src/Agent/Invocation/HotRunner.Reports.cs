using System.Text;
using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Pool;

namespace Fnagent.Invocation;

/// <summary>What a function runtime's report about a call (<see cref="ResponseKind"/>) means for the caller.</summary>
public sealed partial class HotRunner
{
    /// <summary>
    /// The caller's error for a report that is not the function's answer (docs/protocols.md §5):
    /// the function failed (its runtime's words go to the call's log), the runtime saw the
    /// deadline pass, or it answered with a status its format does not allow (the process is
    /// then discarded as broken).
    /// </summary>
    private FunctionError Reported(Call call, FormatRow row, HotProcess process, FunctionResponse report)
    {
        switch (report.Kind)
        {
            case ResponseKind.FunctionFailed:
                call.Log.Append($"fnagent: the function failed: {report.Report}");
                return new FunctionError(FunctionErrorKind.FunctionFailed, "function failed; its log has the details");

            case ResponseKind.TimedOut:
                return new FunctionError(FunctionErrorKind.Timeout, $"function timed out after {call.Function.Timeout.TotalSeconds:0.###}s (reported by its FDK)");

            default:
                LogDiscard(call, process, new FormatViolationException(FormatError.InvalidHttp, $"{row.Name} status {report.StatusCode}",
                    Encoding.UTF8.GetBytes(report.Report ?? "")));
                return new FunctionError(FunctionErrorKind.ProtocolViolation,
                    $"function answered with status {report.StatusCode} over {row.Name}, a status its format does not allow");
        }
    }
}
