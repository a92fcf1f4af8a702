using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Hot;

/// <summary>
/// A hot process that crashes mid-call, having left a child in a session of its own (and,
/// started before the move, outside its memory cgroup) that holds its stdout or only its
/// stderr: the call is a 502 at once, not a wait on the child's pipes, and the child goes.
/// </summary>
public sealed class DetachedChildTests(HotFixture fixture) : IClassFixture<HotFixture>
{
    [Theory]
    [InlineData("json-detached")]
    [InlineData("json-detached-stderr")]
    public async Task ACrashLeavingADetachedChildIs502AtOnceAndTheChildIsKilled(string function)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var started = Stopwatch.StartNew();

        using var response = await fixture.Agent.Client.PostAsync($"r/hot/{function}", new StringContent("crash"), timeout.Token);
        var elapsed = started.Elapsed;
        using var record = JsonDocument.Parse(await fixture.Agent.Client.GetStringAsync($"v1/calls/{response.Headers.GetValues("Fn-Call-Id").Single()}"));
        var marker = "fnagent-test-hot-detached-" + record.RootElement.GetProperty("pid").GetInt32();

        // Before the fix: 504 at the 20 s deadline (stdout held), or 502 after ~5 s of
        // waiting on the child's stderr, and the child lived on.
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.InRange(elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(4));
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching(marker).Count == 0, TimeSpan.FromSeconds(5)));
    }
}
