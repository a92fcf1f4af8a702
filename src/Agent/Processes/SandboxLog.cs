using Microsoft.Extensions.Logging;

namespace Fnagent.Processes;

/// <summary>The agent's log events about the sandbox, with stable ids: one line at start says what functions run in.</summary>
internal static partial class SandboxLog
{
    [LoggerMessage(EventId = 320, Level = LogLevel.Information, Message = "functions run sandboxed (bubblewrap {Bwrap}): own mount, PID, IPC and UTS namespaces, system folders read-only, /tmp of tmp_size, as {User}, no capabilities")]
    public static partial void Sandboxed(this ILogger logger, string bwrap, string user);

    [LoggerMessage(EventId = 321, Level = LogLevel.Warning, Message = "functions run WITHOUT a sandbox: {Reason}; they see the host's files and processes as user {User} (Sandbox:Mode=Required refuses to serve them, Off silences this)")]
    public static partial void Unsandboxed(this ILogger logger, string reason, string user);

    [LoggerMessage(EventId = 322, Level = LogLevel.Error, Message = "no function is served: the sandbox is required (Sandbox:Mode=Required) but cannot run here: {Reason}")]
    public static partial void SandboxRequired(this ILogger logger, string reason);

    /// <summary>The start's one line about the sandbox, for <paramref name="sandbox"/> and the user functions run as.</summary>
    public static void Report(this ILogger logger, Sandbox sandbox, FunctionUser? user)
    {
        var who = user?.ToString() ?? $"the agent's own ({Environment.UserName})";
        if (sandbox.Active)
        {
            logger.Sandboxed(sandbox.Bwrap!, who);
        }
        else if (sandbox.Mode == SandboxMode.Required)
        {
            logger.SandboxRequired(sandbox.WhyNot!);
        }
        else if (sandbox.Mode == SandboxMode.Auto)
        {
            logger.Unsandboxed(sandbox.WhyNot!, who);
        }
    }
}
