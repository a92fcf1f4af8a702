using Microsoft.Extensions.Logging;

namespace Fnagent.State;

/// <summary>The call store's log events.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "{Records} call records and {Work} async queue changes not written to {Path}: {Message}")]
    public static partial void CallDatabaseWriteFailed(this ILogger logger, int records, int work, string path, string message);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "{Dropped} call records dropped so far: more than {Bound} waited to be written")]
    public static partial void CallRecordsDropped(this ILogger logger, long dropped, int bound);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "reading {Path} failed: {Message}")]
    public static partial void CallDatabaseReadFailed(this ILogger logger, string path, string message);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "retention of {Path} failed, retried at its next pass: {Message}")]
    public static partial void RetentionFailed(this ILogger logger, string path, string message);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "checkpoint of {Path} failed, tried again shortly: {Message}")]
    public static partial void CheckpointFailed(this ILogger logger, string path, string message);

    [LoggerMessage(EventId = 310, Level = LogLevel.Error, Message = "{App}/{Function} async call not queued in {Path}: its caller gets 503")]
    public static partial void AsyncCallNotQueued(this ILogger logger, string app, string function, string path);

    [LoggerMessage(EventId = 312, Level = LogLevel.Error, Message = "async call {CallId} runs without its start recorded beside {Path} (a crash now would run it again): {Message}")]
    public static partial void StartNotRecorded(this ILogger logger, string callId, string path, string message);

    [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "{App}/{Function} async call {CallId} was running when the agent stopped: {Fate}")]
    public static partial void AsyncCallCutOff(this ILogger logger, string app, string function, string callId, string fate);
}
