using Microsoft.Extensions.Logging;

namespace Fnagent.Direktiv;

/// <summary>The agent's structured log events about Direktiv functions, with stable ids.</summary>
internal static partial class DirektivLog
{
    [LoggerMessage(EventId = 800, Level = LogLevel.Information, Message = "Direktiv functions: each instance in its own network namespace (bubblewrap {Bwrap}, relays by {Socat}): every one has its own 127.0.0.1:8080 and :8889")]
    public static partial void NamespaceMode(this ILogger logger, string bwrap, string socat);

    [LoggerMessage(EventId = 801, Level = LogLevel.Warning, Message = "Direktiv functions: network namespaces unavailable ({Reason}); falling back to a free port passed as PORT, log endpoint on the host's 127.0.0.1:{LogPort}")]
    public static partial void PortMode(this ILogger logger, string reason, int logPort);

    [LoggerMessage(EventId = 802, Level = LogLevel.Warning, Message = "Direktiv log endpoint cannot listen on 127.0.0.1:{Port} ({Reason}); functions' log calls will fail")]
    public static partial void LogPortTaken(this ILogger logger, int port, string reason);

    [LoggerMessage(EventId = 810, Level = LogLevel.Information, Message = "{App}/{Function}: instance pid {Pid} serving on {Endpoint}")]
    public static partial void InstanceStarted(this ILogger logger, string app, string function, int pid, string endpoint);

    [LoggerMessage(EventId = 811, Level = LogLevel.Information, Message = "{App}/{Function}: instance pid {Pid} retired ({Reason})")]
    public static partial void InstanceRetired(this ILogger logger, string app, string function, int pid, string reason);

    [LoggerMessage(EventId = 812, Level = LogLevel.Information, Message = "{App}/{Function} pid {Pid}: {Line}")]
    public static partial void InstanceOutput(this ILogger logger, string app, string function, int pid, string line);

    [LoggerMessage(EventId = 813, Level = LogLevel.Warning, Message = "{App}/{Function} call {CallId}: DELETE / not answered: {Reason}")]
    public static partial void CancelNotAnswered(this ILogger logger, string app, string function, string callId, string reason);

    [LoggerMessage(EventId = 820, Level = LogLevel.Warning, Message = "Direktiv log endpoint: {Reason}")]
    public static partial void LogRequestFailed(this ILogger logger, string reason);
}
