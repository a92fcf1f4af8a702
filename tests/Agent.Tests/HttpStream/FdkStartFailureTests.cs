using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.HttpStream;

/// <summary>http-stream starts that fail: each says which way, with the function's output in the call's log.</summary>
public sealed class FdkStartFailureTests(FdkFixture fixture) : IClassFixture<FdkFixture>
{
    [Fact]
    public async Task AHungFdkThatNeverListensIs504WithinTheStartTimeoutAndLeavesNothingRunning()
    {
        var (response, body) = await fixture.PostJsonAsync("r/fdk/never-listens", "{}");
        var callId = response.Headers.GetValues("Fn-Call-Id").Single();

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.StartsWith("function failed to start in time", Message(body));
        Assert.Contains("I will never listen", await fixture.Agent.Client.GetStringAsync($"v1/calls/{callId}/log"));
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching("never-listens.js").Count == 0, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task AFunctionThatExitsBeforeListeningIs502SayingSo()
    {
        var (response, body) = await fixture.PostJsonAsync("r/fdk/exits", "{}");
        var callId = response.Headers.GetValues("Fn-Call-Id").Single();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("function exited with code 4 before it listened on lsnr.sock", Message(body));
        Assert.Contains("dying before listening", await fixture.Agent.Client.GetStringAsync($"v1/calls/{callId}/log"));
    }

    [Fact]
    public async Task ASocketOutsideTheFunctionsDirectoryIsRefused()
    {
        var (response, body) = await fixture.PostJsonAsync("r/fdk/listens-outside", "{}");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.StartsWith("lsnr.sock points outside the function's directory", Message(body));
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching("listens-outside.js").Count == 0, TimeSpan.FromSeconds(5)));
        foreach (var stale in Directory.EnumerateFiles(Path.GetTempPath(), "fnagent-outside-*.sock"))
        {
            File.Delete(stale);
        }
    }

    private static string Message(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("error").GetProperty("message").GetString()!;
    }
}
