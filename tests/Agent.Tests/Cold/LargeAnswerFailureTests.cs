using System.Net;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cold;

public sealed class LargeAnswerFailureTests(ColdFixture fixture) : IClassFixture<ColdFixture>
{
    [Fact]
    public async Task AnAnswerPastTheHoldBackThatThenFailsIsRecordedWithThe200ThatWentOutAndTheError()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "r/tests/big-then-fail");
        using var response = await fixture.Agent.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var callId = response.Headers.GetValues("Fn-Call-Id").Single();

        // The status went out before the exit code was known; the body is then broken off.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(async () => await response.Content.ReadAsByteArrayAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        var record = await TruncatedBodyTests.FinishedRecordAsync(fixture.Agent, callId);
        Assert.Equal("error", record.GetProperty("status").GetString());
        Assert.Equal(200, record.GetProperty("http_status").GetInt32());
        Assert.Equal("function exited with code 1", record.GetProperty("error").GetString());
        Assert.Equal(1, record.GetProperty("exit_code").GetInt32());
    }
}
