using System.Net;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;
using Fnagent.Functions;
using Fnagent.Pool;
using Microsoft.Extensions.DependencyInjection;

namespace Fnagent.Agent.Tests.HttpStream;

/// <summary>What an FDK's HTTP server does to a connection left idle.</summary>
public sealed class IdleConnectionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AnIdleConnectionTheServerTimedOutDiscardsTheProcessButDoesNotHoldBackTheFunctionsAnswers()
    {
        // The bug: Node answers a connection that carried no request for headersTimeout with
        // "408 Request Timeout". The agent rightly discarded that process at the next call,
        // but took the 408 for the function's own late bytes and held every process of the
        // function back after each answer from then on: min_idle processes warmed at start
        // and idle a minute throttled a node FDK function (docs/performance.md).
        await NpmFunctions.EnsureInstalledAsync();
        var script = Path.Combine(RunningAgent.TestFunctions, "fdk", "idle-timeout.js");
        _folder.Write("idle/func.yml", $"name: idle\napp: fdk\nformat: http-stream\nmin_idle: 1\ncmd: [node, \"{script}\"]\n");
        await using var agent = await RunningAgent.StartAsync(_folder.Path);
        var function = agent.Services.GetRequiredService<IFunctionRegistry>().All.Single();
        var pool = agent.Services.GetRequiredService<HotPools>().For(function);
        Assert.True(await ProcessTable.EventuallyAsync(() => pool.IdleCount == 1, TimeSpan.FromSeconds(20)), "the warm process never started");

        // Past the server's 300 ms headers timeout, the warm process's connection has its 408.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        using var response = await agent.Client.PostAsync("r/fdk/idle", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(pool.WritesLate);
    }
}
