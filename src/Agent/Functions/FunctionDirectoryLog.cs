using Microsoft.Extensions.Logging;

namespace Fnagent.Functions;

/// <summary>Log events of <see cref="FunctionDirectory"/>. Event ids 6100-6199 belong to function definitions; never reuse one.</summary>
internal static partial class FunctionDirectoryLog
{
    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "Loaded {FunctionCount} functions from {Root}; {ErrorCount} problems")]
    public static partial void FunctionsLoaded(this ILogger logger, int functionCount, string root, int errorCount);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Function file rejected: {Problem}")]
    public static partial void FunctionFileRejected(this ILogger logger, string problem);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Error, Message = "Function directory {Root} does not exist; waiting for it to appear")]
    public static partial void RootMissing(this ILogger logger, string root);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "Watching {Root} failed; rescanning")]
    public static partial void WatcherFailed(this ILogger logger, Exception exception, string root);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Error, Message = "Reloading functions from {Root} failed; still serving the previous set")]
    public static partial void ReloadFailed(this ILogger logger, Exception exception, string root);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Error, Message = "A handler of the functions Changed event threw")]
    public static partial void ChangedHandlerFailed(this ILogger logger, Exception exception);
}
