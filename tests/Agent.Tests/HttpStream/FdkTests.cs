using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.HttpStream;

/// <summary>Functions written with the published @fnproject/fdk, run unmodified over http-stream.</summary>
public sealed class FdkTests(FdkFixture fixture) : IClassFixture<FdkFixture>
{
    [Fact]
    public async Task JsonInJsonOut()
    {
        var (response, body) = await fixture.PostJsonAsync("r/fdk/json", """{"name":"Ada"}""");
        using var json = JsonDocument.Parse(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Ada", json.RootElement.GetProperty("hello").GetString());
        Assert.Equal(response.Headers.GetValues("Fn-Call-Id").Single(), json.RootElement.GetProperty("callId").GetString());
    }

    [Fact]
    public async Task CustomStatusAndHeadersThroughTheHttpGatewayContext()
    {
        var (response, body) = await fixture.PostJsonAsync("r/fdk/status", "{}");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("created", body);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("custom-value", response.Headers.GetValues("X-Custom").Single());
        Assert.Equal(["one", "two"], response.Headers.GetValues("X-Multi"));
        Assert.False(response.Headers.Contains("Fn-Http-Status"));
    }

    [Fact]
    public async Task TheFunctionSeesTheCallersRequest()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "r/fdk/request?q=1")
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Caller", "tester");
        using var response = await fixture.Agent.Client.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var seen = json.RootElement;

        Assert.Equal("PUT", seen.GetProperty("method").GetString());
        Assert.Equal(new Uri(fixture.Agent.Address, "r/fdk/request?q=1").ToString(), seen.GetProperty("url").GetString());
        Assert.Equal("tester", seen.GetProperty("header").GetString());
        Assert.StartsWith("application/json", seen.GetProperty("contentType").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", seen.GetProperty("deadline").GetString());
    }

    [Fact]
    public async Task AHandlerThatThrowsIs502AndTheNextCallWorksOnTheSameProcess()
    {
        var (before, beforeBody) = await fixture.PostJsonAsync("r/fdk/throws", "{}");
        var (failed, failedBody) = await fixture.PostJsonAsync("r/fdk/throws", """{"fail":true}""");
        var (after, afterBody) = await fixture.PostJsonAsync("r/fdk/throws", "{}");

        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Contains("function failed", failedBody);
        var log = await fixture.Agent.Client.GetStringAsync($"v1/calls/{failed.Headers.GetValues("Fn-Call-Id").Single()}/log");
        Assert.Contains("boom on purpose", log);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(await fixture.Agent.PidOfAsync(before), await fixture.Agent.PidOfAsync(after));
    }

    [Fact]
    public async Task ConsoleOutputOnBothStreamsIsInTheCallsLog()
    {
        var (response, _) = await fixture.PostJsonAsync("r/fdk/logs", "{}");
        var callId = response.Headers.GetValues("Fn-Call-Id").Single();

        var log = await fixture.Agent.Client.GetStringAsync($"v1/calls/{callId}/log");

        Assert.Contains($"stdout line for {callId}", log);
        Assert.Contains($"stderr line for {callId}", log);
    }

    [Fact]
    public async Task OneHundredSequentialCallsAreServedByOneProcess()
    {
        var pids = new HashSet<int>();
        for (var i = 0; i < 100; i++)
        {
            var (response, body) = await fixture.PostJsonAsync("r/fdk/json", $$"""{"name":"n{{i}}"}""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains($"n{i}", body);
            pids.Add(await fixture.Agent.PidOfAsync(response));
        }

        Assert.Single(pids);
    }

    [Fact]
    public async Task ConcurrentCallsToSeveralFdkFunctionsNeverCrossTalk()
    {
        var calls = Enumerable.Range(0, 40).Select(async i =>
        {
            var path = i % 2 == 0 ? "r/fdk/json" : "r/fdk/logs";
            var (response, body) = await fixture.PostJsonAsync(path, $$"""{"name":"caller-{{i}}"}""");
            return (i, response, body);
        });

        foreach (var (i, response, body) in await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var callId = response.Headers.GetValues("Fn-Call-Id").Single();
            using var json = JsonDocument.Parse(body);
            if (i % 2 == 0)
            {
                Assert.Equal($"caller-{i}", json.RootElement.GetProperty("hello").GetString());
                Assert.Equal(callId, json.RootElement.GetProperty("callId").GetString());
            }
            else
            {
                Assert.Equal(callId, json.RootElement.GetProperty("logged").GetString());
            }
        }
    }

    [Fact]
    public async Task AKilledFdkIsReplacedAndItsStaleSocketNeverGetsInTheWay()
    {
        var (first, firstBody) = await fixture.PostJsonAsync("r/fdk/request", "{}");
        var firstPid = await fixture.Agent.PidOfAsync(first);
        System.Diagnostics.Process.GetProcessById(firstPid).Kill();

        // Reaped, not merely a zombie: node's main thread turns zombie while its other
        // threads, which hold the socket, are still exiting.
        Assert.True(await ProcessTable.EventuallyAsync(() => !Directory.Exists($"/proc/{firstPid}"), TimeSpan.FromSeconds(5)));

        var (next, nextBody) = await fixture.PostJsonAsync("r/fdk/request", "{}");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(next.StatusCode == HttpStatusCode.OK, nextBody);
        Assert.NotEqual(firstPid, await fixture.Agent.PidOfAsync(next));
    }
}
