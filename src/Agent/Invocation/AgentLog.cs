using Microsoft.Extensions.Logging;

namespace Fnagent.Invocation;

/// <summary>The agent's structured log events about calls and function output, with stable ids.</summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "{App}/{Function} call {CallId} pid {Pid}: {Line}")]
    public static partial void FunctionOutput(this ILogger logger, string app, string function, string callId, int pid, string line);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "{App}/{Function} call {CallId} pid {Pid}: the call's output passed {MaxBytes} bytes; the rest is not copied here")]
    public static partial void FunctionOutputNotCopied(this ILogger logger, string app, string function, string callId, int pid, long maxBytes);

    // Debug: one synchronous console line per call was the largest cost of a hot call
    // (docs/performance.md); failures are still Warning (CallFailed).
    [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "{App}/{Function} call {CallId} {Method} -> {Status} in {Milliseconds:0.0} ms")]
    public static partial void CallFinished(this ILogger logger, string app, string function, string callId, string method, int status, double milliseconds);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "{App}/{Function} call {CallId} failed ({Kind}): {Message}")]
    public static partial void CallFailed(this ILogger logger, string app, string function, string callId, FunctionErrorKind kind, string message);

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "{Count} async calls queued before this start run now")]
    public static partial void AsyncCallsRecovered(this ILogger logger, int count);

    [LoggerMessage(EventId = 131, Level = LogLevel.Error, Message = "{App}/{Function}: {Count} async calls could not be claimed, tried again shortly: {Message}")]
    public static partial void AsyncClaimFailed(this ILogger logger, string app, string function, int count, string message);

    [LoggerMessage(EventId = 132, Level = LogLevel.Error, Message = "{App}/{Function} async call {CallId} ran, but its output could not be stored: {Message}")]
    public static partial void AsyncOutputNotStored(this ILogger logger, string app, string function, string callId, string message);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "{App}/{Function} call {CallId} pid {Pid}: process discarded: {Reason}; first bytes: {FirstBytes}")]
    public static partial void ProcessDiscarded(this ILogger logger, string app, string function, string callId, int pid, string reason, string firstBytes);
}
