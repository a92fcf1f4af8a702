using Microsoft.Extensions.Logging;

namespace Fnagent.Pool;

/// <summary>The pool's structured log events: what hot processes write between calls, and warm-ups that failed; stable ids, in the agent's numbering.</summary>
internal static partial class PoolLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "{App}/{Function} pid {Pid} (between calls): {Line}")]
    public static partial void FunctionOutputBetweenCalls(this ILogger logger, string app, string function, int pid, string line);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "{App}/{Function} pid {Pid} (between calls): its output passed {MaxBytes} bytes; the rest until its next call is not copied here")]
    public static partial void FunctionOutputBetweenCallsNotCopied(this ILogger logger, string app, string function, int pid, long maxBytes);

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "{App}/{Function}: could not keep a process warm: {Message}")]
    public static partial void WarmUpFailed(this ILogger logger, string app, string function, string message);
}
