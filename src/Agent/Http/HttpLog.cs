namespace Fnagent.Http;

/// <summary>Log events of the agent's own HTTP answers (event ids 400-499).</summary>
internal static partial class HttpLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Error, Message = "{Method} {Path} failed; answered 500")]
    public static partial void AdminRequestFailed(this ILogger logger, Exception exception, string method, string? path);
}
