using Microsoft.Extensions.Logging;

namespace Fnagent.Builds;

internal static partial class BuildLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "{App}/{Function}: building with '{Command}' in {Directory}")]
    public static partial void BuildStarted(this ILogger logger, string app, string function, string command, string directory);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "{App}/{Function} build: {Line}")]
    public static partial void BuildOutput(this ILogger logger, string app, string function, string line);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "{App}/{Function}: build '{Command}' succeeded")]
    public static partial void BuildSucceeded(this ILogger logger, string app, string function, string command);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "{App}/{Function}: build '{Command}' failed with exit code {Code}")]
    public static partial void BuildFailed(this ILogger logger, string app, string function, string command, int code);
}
