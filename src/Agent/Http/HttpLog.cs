namespace Fnagent.Http;

/// <summary>Log events of the agent's own HTTP answers (event ids 400-499).</summary>
internal static partial class HttpLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Error, Message = "{Method} {Path} failed; answered 500")]
    public static partial void AdminRequestFailed(this ILogger logger, Exception exception, string method, string? path);

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "admin token made in {Path} (readable by this user only)")]
    public static partial void AdminTokenCreated(this ILogger logger, string path);

    [LoggerMessage(EventId = 411, Level = LogLevel.Warning, Message = "admin token file {Path} has mode {Mode}: other users of this machine may read it; chmod 600 it")]
    public static partial void AdminTokenFileOpenToOthers(this ILogger logger, string path, string mode);
}
