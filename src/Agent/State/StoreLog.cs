using Microsoft.Extensions.Logging;

namespace Fnagent.State;

/// <summary>The call store's log events.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "{Count} call records not written to {Path}: {Message}")]
    public static partial void CallRecordsNotWritten(this ILogger logger, int count, string path, string message);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "{Dropped} call records dropped so far: more than {Bound} waited to be written")]
    public static partial void CallRecordsDropped(this ILogger logger, long dropped, int bound);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "reading {Path} failed: {Message}")]
    public static partial void CallDatabaseReadFailed(this ILogger logger, string path, string message);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "retention of {Path} failed, retried at its next pass: {Message}")]
    public static partial void RetentionFailed(this ILogger logger, string path, string message);

    [LoggerMessage(EventId = 310, Level = LogLevel.Error, Message = "{Count} async calls not queued in {Path} (their callers get 503): {Message}")]
    public static partial void AsyncCallsNotQueued(this ILogger logger, int count, string path, string message);

    [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "{App}/{Function} async call {CallId} was running when the agent stopped: {Fate}")]
    public static partial void AsyncCallCutOff(this ILogger logger, string app, string function, string callId, string fate);
}
