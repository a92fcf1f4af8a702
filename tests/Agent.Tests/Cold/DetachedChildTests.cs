using System.Diagnostics;
using System.Net;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cold;

/// <summary>
/// A child that left the process group and the session (setsid) while holding the
/// function's stdout or stderr: neither the group kill nor, when it started before the
/// move into the memory cgroup, the cgroup reaches it, and the agent's reads of the pipes
/// it holds never ended.
/// </summary>
public sealed class DetachedChildTests(ColdFixture fixture) : IClassFixture<ColdFixture>
{
    [Theory]
    [InlineData("stdout")]
    [InlineData("stderr")]
    public async Task AFinishedAnswerIsNotHeldByADetachedChildAndTheChildIsKilled(string held)
    {
        var (status, body, marker) = await CallAsync(held);

        Assert.Equal((HttpStatusCode.OK, "hi\n"), (status, body));

        // Killed when the function exited, before its answer went out. Before the fix it
        // lived on while the agent waited ~5 s more for its stderr (or all its 30 s).
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching(marker).Count == 0, TimeSpan.FromSeconds(2)));
    }

    [Theory]
    [InlineData("hang")]
    [InlineData("hang-stderr")]
    public async Task TheDeadlineCutsADetachedChildHoldingThePipes(string held)
    {
        var (status, _, marker) = await CallAsync(held);

        Assert.Equal(HttpStatusCode.GatewayTimeout, status);
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching(marker).Count == 0, TimeSpan.FromSeconds(5)));
    }

    private async Task<(HttpStatusCode Status, string Body, string Marker)> CallAsync(string mode)
    {
        // The child sleeps 30 s: an answer that waited for it would come long after these 10 s.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var started = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "r/tests/detached") { Headers = { { "X-Mode", mode } } };
        using var response = await fixture.Agent.Client.SendAsync(request, timeout.Token);
        var body = await response.Content.ReadAsStringAsync(timeout.Token);
        var marker = "fnagent-test-detached-" + response.Headers.GetValues("Fn-Call-Id").Single();
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(8));
        return (response.StatusCode, body, marker);
    }
}
