using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cold;

public sealed class FailureTests(ColdFixture fixture) : IClassFixture<ColdFixture>
{
    [Fact]
    public async Task ExitCodeThreeIs502WithTheJsonError()
    {
        using var response = await fixture.Agent.Client.PostAsync("r/tests/exit3", null);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Single(response.Headers.GetValues("Fn-Call-Id"));
        Assert.Equal("function exited with code 3", await ErrorMessage(response));
    }

    [Fact]
    public async Task SleepingPastTimeoutIs504AndLeavesNoProcess()
    {
        using var response = await fixture.Agent.Client.PostAsync("r/tests/sleeper", null);
        var callId = response.Headers.GetValues("Fn-Call-Id").Single();

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.StartsWith("function timed out", await ErrorMessage(response));

        // Right after the 504: the function and its background child are both killed. In the
        // sandbox they finish dying a moment after the sandbox's own process, whose exit the
        // answer waited for.
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching("fnagent-test-main-" + callId).Count == 0, TimeSpan.FromSeconds(2)));
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching("fnagent-test-child-" + callId).Count == 0, TimeSpan.FromSeconds(2)));
        Assert.Empty(ProcessTable.OurZombies());
    }

    [Fact]
    public async Task AChildThatLeftTheProcessGroupIsKilledWhenTheFunctionExits()
    {
        using var response = await fixture.Agent.Client.PostAsync("r/tests/escaper", null);
        var marker = "fnagent-test-escaped-" + response.Headers.GetValues("Fn-Call-Id").Single();
        try
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            if ((await response.Content.ReadAsStringAsync()).Trim() == "cgroup=0")
            {
                return; // No writable memory cgroups here: the process group is all a kill reaches (docs/operations.md, Memory cgroups).
            }

            // A process group kill misses it (a session of its own); its memory cgroup does not.
            Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching(marker).Count == 0, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            foreach (var pid in ProcessTable.Matching(marker))
            {
                try
                {
                    Process.GetProcessById(pid).Kill();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // Gone meanwhile.
                }
            }
        }
    }

    [Fact]
    public async Task UnknownRouteIs404WithTheJsonError()
    {
        using var response = await fixture.Agent.Client.GetAsync("r/tests/no-such-function");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("no function at /r/tests/no-such-function", await ErrorMessage(response));
    }

    [Fact]
    public async Task NoProcessOrZombieRemainsAfterCalls()
    {
        for (var i = 0; i < 5; i++)
        {
            using var response = await fixture.Agent.Client.PostAsync("r/tests/exit3", null);
        }

        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.OurZombies().Count == 0, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ManyExitsAtOnceAreEachReapedWithTheirCode()
    {
        var calls = Enumerable.Range(0, 32).Select(async _ =>
        {
            using var response = await fixture.Agent.Client.PostAsync("r/tests/exit3", null);
            return (response.StatusCode, await ErrorMessage(response));
        });

        var results = await Task.WhenAll(calls);

        Assert.All(results, result => Assert.Equal((HttpStatusCode.BadGateway, "function exited with code 3"), result));
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.OurZombies().Count == 0, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task GoingOverTheMemoryLimitIs502OutOfMemoryAndTheNextCallRuns()
    {
        using var probe = await fixture.Agent.Client.PostAsync("r/tests/memory-hog", new StringContent("0"));
        if ((await probe.Content.ReadAsStringAsync()).StartsWith('0'))
        {
            return; // No writable memory cgroups here: the limit is only advertised (docs/operations.md, Memory cgroups).
        }

        using var hog = await fixture.Agent.Client.PostAsync("r/tests/memory-hog", new StringContent("256"));
        Assert.Equal(HttpStatusCode.BadGateway, hog.StatusCode);
        Assert.Equal("function was killed: out of memory (limit 32 MB)", await ErrorMessage(hog));

        using var modest = await fixture.Agent.Client.PostAsync("r/tests/memory-hog", new StringContent("4"));
        Assert.Equal(HttpStatusCode.OK, modest.StatusCode);
        Assert.Equal("1\n4", (await modest.Content.ReadAsStringAsync()).Trim());
    }

    internal static async Task<string> ErrorMessage(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetProperty("message").GetString()!;
    }
}
