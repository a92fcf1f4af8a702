using System.Net;
using System.Text.Json;

namespace Fnagent.Agent.Tests.Cold;

public sealed class LogTests(ColdFixture fixture) : IClassFixture<ColdFixture>
{
    [Fact]
    public async Task StderrLinesAppearInTheCallLogInOrder()
    {
        using var response = await fixture.Agent.Client.PostAsync("r/tests/stderr-lines", null);
        var callId = response.Headers.GetValues("Fn-Call-Id").Single();

        var log = await fixture.Agent.Client.GetStringAsync($"v1/calls/{callId}/log");

        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => $"line {i}"), lines);
    }

    [Fact]
    public async Task CallRecordHoldsStatusTimesAndExitCode()
    {
        using var response = await fixture.Agent.Client.PostAsync("r/tests/exit3", null);
        var callId = response.Headers.GetValues("Fn-Call-Id").Single();

        using var record = JsonDocument.Parse(await fixture.Agent.Client.GetStringAsync($"v1/calls/{callId}"));
        var root = record.RootElement;

        Assert.Equal(callId, root.GetProperty("call_id").GetString());
        Assert.Equal("tests", root.GetProperty("app").GetString());
        Assert.Equal("exit3", root.GetProperty("function").GetString());
        Assert.Equal("error", root.GetProperty("status").GetString());
        Assert.Equal(502, root.GetProperty("http_status").GetInt32());
        Assert.Equal(3, root.GetProperty("exit_code").GetInt32());
        Assert.Equal("function exited with code 3", root.GetProperty("error").GetString());
        Assert.True(root.GetProperty("ended_at").GetDateTimeOffset() >= root.GetProperty("started_at").GetDateTimeOffset());
        Assert.True(root.GetProperty("duration_ms").GetDouble() >= 0);
        Assert.Contains("about to fail", await fixture.Agent.Client.GetStringAsync($"v1/calls/{callId}/log"));
    }

    [Fact]
    public async Task TenMegabytesOfStderrNeitherBlocksNorPassesTheCap()
    {
        using var response = await fixture.Agent.Client.PostAsync("r/tests/stderr-flood", null);
        var callId = response.Headers.GetValues("Fn-Call-Id").Single();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("done\n", await response.Content.ReadAsStringAsync());
        var log = await fixture.Agent.Client.GetStringAsync($"v1/calls/{callId}/log");
        Assert.InRange(log.Length, 1_000_000, 1_048_576 + 200);
        Assert.EndsWith("----- log truncated at 1048576 bytes -----\n", log);
    }

    [Fact]
    public async Task UnknownCallIs404()
    {
        using var response = await fixture.Agent.Client.GetAsync("v1/calls/01NOSUCHCALL/log");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
