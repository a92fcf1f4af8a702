using Fnagent.Agent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fnagent.Agent.Tests.Serving;

/// <summary>The agent's own log, through Serilog's host integration.</summary>
public sealed class AgentLoggingTests
{
    [Fact]
    public async Task HostingDiagnosticsStayOffSoRequestsCarryNoActivityOrScope()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, options => options.Log.Level = Serilog.Events.LogEventLevel.Information);
        var loggers = agent.Services.GetRequiredService<ILoggerFactory>();

        // Hosting creates an Activity and a scope per request when this is enabled at Critical.
        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Critical));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Lifetime").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("Fnagent.Invocation.FunctionInvoker").IsEnabled(LogLevel.Information));
    }
}
