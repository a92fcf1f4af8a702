using System.Net;
using Fnagent.Agent.Tests.Support;
using Fnagent.Functions;
using Fnagent.Pool;
using Microsoft.Extensions.DependencyInjection;

namespace Fnagent.Agent.Tests.Hot;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task SixtyFourConcurrentCallsAgainstFourProcessesAllSucceed()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        var pool = PoolOf(agent, "json-slow");
        var peak = 0;
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                peak = Math.Max(peak, pool.LiveCount);
                await Task.Delay(5);
            }
        });

        var calls = Enumerable.Range(0, 64).Select(async i =>
        {
            using var response = await agent.Client.PostAsync("r/hot/json-slow", new StringContent($"call {i}"));
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(), Pid: await agent.PidOfAsync(response));
        }).ToArray();
        var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60));
        await watching.CancelAsync();
        await watcher;

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"call {i}"), results.Select(r => r.Body));
        Assert.InRange(results.Select(r => r.Pid).Distinct().Count(), 1, 4);
        Assert.InRange(peak, 1, 4);
    }

    [Fact]
    public async Task WithAShortQueueWaitTheOverflowGets503AndNoCallIsLostOrDuplicated()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, o => o.Limits.QueueWait = TimeSpan.FromMilliseconds(50));

        var calls = Enumerable.Range(0, 16).Select(async i =>
        {
            using var response = await agent.Client.PostAsync("r/hot/json-slow", new StringContent($"call {i}"));
            return (i, response.StatusCode, Body: await response.Content.ReadAsStringAsync(),
                RetryAfter: response.Headers.RetryAfter?.Delta, CallId: response.Headers.GetValues("Fn-Call-Id").Single());
        }).ToArray();
        var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60));

        var served = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var refused = results.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Equal(16, served.Count + refused.Count);
        Assert.NotEmpty(refused);
        Assert.InRange(served.Count, 4, 12);
        Assert.All(served, r => Assert.Equal($"call {r.i}", r.Body));
        Assert.All(refused, r => Assert.NotNull(r.RetryAfter));
        Assert.Equal(16, results.Select(r => r.CallId).Distinct().Count());

        // Each served call ran exactly once: one "got call" line in its own log.
        foreach (var call in served)
        {
            var log = await agent.Client.GetStringAsync($"v1/calls/{call.CallId}/log");
            Assert.Single(log.Split('\n'), line => line.Contains($"got call {call.CallId}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task IdleProcessesExitAfterIdleTimeout()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        using var response = await agent.Client.PostAsync("r/hot/json-idle", new StringContent("x"));
        var pid = await agent.PidOfAsync(response);
        var pool = PoolOf(agent, "json-idle");

        Assert.True(ProcessTable.IsAlive(pid));
        Assert.True(await ProcessTable.EventuallyAsync(() => !ProcessTable.IsAlive(pid), TimeSpan.FromSeconds(10)));
        Assert.Equal(0, pool.LiveCount);
    }

    [Fact]
    public async Task MinIdleProcessesAreWarmBeforeAnyCall()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);

        // Counted in the pool: other tests' agents may be warming the same function meanwhile.
        Assert.True(await ProcessTable.EventuallyAsync(() => PoolOf(agent, "json-warm").IdleCount == 2, TimeSpan.FromSeconds(10)));
        Assert.Equal(2, PoolOf(agent, "json-warm").LiveCount);
        // Counted is not yet visible: posix_spawn returns once the exec has begun, before the
        // new program's command line is in /proc, and a busy machine may not run it for a while.
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching("json_fn.py 0 warm-marker").Count >= 2, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ShutdownLetsCallsInFlightCompleteThenLeavesNoProcess()
    {
        var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        var inFlight = Enumerable.Range(0, 4).Select(i => agent.Client.PostAsync("r/hot/json-slow", new StringContent($"in flight {i}"))).ToArray();
        // The pool counts a process before it starts; /proc shows it once its exec is done.
        Assert.True(await ProcessTable.EventuallyAsync(() => PoolOf(agent, "json-slow").LiveCount == 4 && PoolPids(agent).Count == 4, TimeSpan.FromSeconds(10)));
        var pids = PoolPids(agent);

        await agent.StopAsync();
        var responses = await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(30));
        await agent.DisposeAsync();

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.NotEmpty(pids);
        Assert.All(pids, pid => Assert.False(ProcessTable.IsAlive(pid)));
        Assert.Empty(ProcessTable.Matching("json_fn.py 0.2"));
    }

    private static HotPool PoolOf(RunningAgent agent, string name)
    {
        var function = agent.Services.GetRequiredService<IFunctionRegistry>().All.Single(f => f.Name == name);
        return agent.Services.GetRequiredService<HotPools>().For(function);
    }

    private static List<int> PoolPids(RunningAgent agent) =>
        [.. ProcessTable.Matching("json_fn.py 0.2")];
}
