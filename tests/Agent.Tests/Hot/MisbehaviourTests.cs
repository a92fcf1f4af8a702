using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Hot;

/// <summary>Every misbehaviour gets the caller a 502 with a clear message; the next call succeeds on a fresh process.</summary>
public sealed class MisbehaviourTests(HotFixture fixture) : IClassFixture<HotFixture>
{
    [Theory]
    [InlineData("json-misbehave", "garbage", "invalid json response from function")]
    [InlineData("json-misbehave", "stray", "invalid json response from function")]
    [InlineData("json-misbehave", "crash", "function")]
    [InlineData("json-misbehave", "big", "function response too large")]
    [InlineData("http-misbehave", "garbage", "invalid http response from function")]
    [InlineData("http-misbehave", "noframing", "invalid http response from function")]
    [InlineData("http-misbehave", "crash", "function")]
    public async Task MisbehaviourIs502AndTheNextCallSucceedsOnAFreshProcess(string function, string behaviour, string message)
    {
        var (warm, _) = await fixture.PostAsync($"r/hot/{function}", "warm up");
        var (bad, badBody) = await fixture.PostAsync($"r/hot/{function}", behaviour);
        var (next, nextBody) = await fixture.PostAsync($"r/hot/{function}", "next");

        Assert.Equal(HttpStatusCode.BadGateway, bad.StatusCode);
        Assert.StartsWith(message, Message(badBody));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("next", nextBody);
        var warmPid = await fixture.Agent.PidOfAsync(warm);
        Assert.NotEqual(warmPid, await fixture.Agent.PidOfAsync(next));
        Assert.False(ProcessTable.IsAlive(warmPid));
    }

    [Fact]
    public async Task BytesAfterACompleteJsonResponseLetTheCallStandButRetireTheProcess()
    {
        var (trailing, body) = await fixture.PostAsync("r/hot/json-misbehave", "trailing");
        var (next, _) = await fixture.PostAsync("r/hot/json-misbehave", "next");

        Assert.Equal(HttpStatusCode.OK, trailing.StatusCode);
        Assert.Equal("complete", body);
        var trailingPid = await fixture.Agent.PidOfAsync(trailing);
        Assert.NotEqual(trailingPid, await fixture.Agent.PidOfAsync(next));
        Assert.True(await ProcessTable.EventuallyAsync(() => !ProcessTable.IsAlive(trailingPid), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ConnectionCloseRetiresTheProcessAfterASuccessfulCall()
    {
        var (close, body) = await fixture.PostAsync("r/hot/http-misbehave", "close");
        var (next, _) = await fixture.PostAsync("r/hot/http-misbehave", "next");

        Assert.Equal(HttpStatusCode.OK, close.StatusCode);
        Assert.Equal("bye", body);
        Assert.NotEqual(await fixture.Agent.PidOfAsync(close), await fixture.Agent.PidOfAsync(next));
    }

    [Fact]
    public async Task GarbageLeavesItsFirstBytesInTheCallLog()
    {
        var (bad, _) = await fixture.PostAsync("r/hot/json-misbehave", "garbage");
        var log = await fixture.Agent.Client.GetStringAsync($"v1/calls/{bad.Headers.GetValues("Fn-Call-Id").Single()}/log");

        Assert.Contains("this is not json", log);
    }

    [Fact]
    public async Task SleepingPastTimeoutIs504AndTheLateWriteNeverReachesTheNextCall()
    {
        var (warm, _) = await fixture.PostAsync("r/hot/json-sleeper", "warm");
        var pid = await fixture.Agent.PidOfAsync(warm);

        var (slow, slowBody) = await fixture.PostAsync("r/hot/json-sleeper", "sleep:2");
        Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
        Assert.StartsWith("function timed out", Message(slowBody));
        Assert.False(ProcessTable.IsAlive(pid));

        // Well past when the old process would have written its late answer.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var (next, nextBody) = await fixture.PostAsync("r/hot/json-sleeper", "next");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("next", nextBody);
    }

    private static string Message(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("error").GetProperty("message").GetString()!;
    }
}
