using System.Net;

namespace Fnagent.Agent.Tests.Hot;

public sealed class HotReuseTests(HotFixture fixture) : IClassFixture<HotFixture>
{
    [Theory]
    [InlineData("r/hot/json-python")]
    [InlineData("r/hot/json-node")]
    [InlineData("r/hot/http-python")]
    public async Task TwoCallsReuseOneProcessAndSeeOnlyTheirOwnData(string path)
    {
        var (first, firstBody) = await fixture.PostAsync(path, "first call's data");
        var (second, secondBody) = await fixture.PostAsync(path, "second");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("first call's data", firstBody);
        Assert.Equal("second", secondBody);
        Assert.Equal(await fixture.Agent.PidOfAsync(first), await fixture.Agent.PidOfAsync(second));
        Assert.NotEqual(first.Headers.GetValues("Fn-Call-Id").Single(), second.Headers.GetValues("Fn-Call-Id").Single());
    }

    [Theory]
    [InlineData("r/hot/json-python")]
    [InlineData("r/hot/http-python")]
    public async Task AnEmptyBodyWorks(string path)
    {
        var (response, body) = await fixture.PostAsync(path, "");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", body);
    }

    [Fact]
    public async Task JsonFunctionGetsCallIdAndMethodAndSetsStatusAndHeaders()
    {
        var (echo, _) = await fixture.PostAsync("r/hot/json-python", "x");
        var (custom, customBody) = await fixture.PostAsync("r/hot/json-python", "status:418");

        Assert.Equal(echo.Headers.GetValues("Fn-Call-Id").Single(), echo.Headers.GetValues("X-Call-Id").Single());
        Assert.Equal("POST", echo.Headers.GetValues("X-Method").Single());
        Assert.Equal("text/plain", echo.Content.Headers.ContentType?.MediaType);
        Assert.Equal((HttpStatusCode)418, custom.StatusCode);
        Assert.Equal("yes", custom.Headers.GetValues("X-Custom").Single());
        Assert.Equal("custom", customBody);
    }

    [Fact]
    public async Task HttpFunctionGetsTheRequestLineAndFnHeaders()
    {
        var (response, _) = await fixture.PostAsync("r/hot/http-python?q=1", "x");

        Assert.Equal("/r/hot/http-python?q=1", response.Headers.GetValues("X-Target").Single());
        Assert.Equal(response.Headers.GetValues("Fn-Call-Id").Single(), response.Headers.GetValues("X-Fn-Call-Id").Single());
    }

    [Fact]
    public async Task HttpChunkedResponseWithExtensionsReachesTheCaller()
    {
        var (response, body) = await fixture.PostAsync("r/hot/http-python", "chunked");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("hello world", body);
    }

    [Fact]
    public async Task NonUtf8BodyToJsonFunctionIs415AndTheProcessServesOn()
    {
        var (before, _) = await fixture.PostAsync("r/hot/json-python", "before");
        using var response = await fixture.Agent.Client.PostAsync("r/hot/json-python", new ByteArrayContent([0xff, 0xfe, 0x00]));
        var (after, _) = await fixture.PostAsync("r/hot/json-python", "after");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("http format", await response.Content.ReadAsStringAsync());
        Assert.Equal(await fixture.Agent.PidOfAsync(before), await fixture.Agent.PidOfAsync(after));
    }

    [Fact]
    public async Task StderrOfAHotCallGoesToThatCallsLog()
    {
        var (response, _) = await fixture.PostAsync("r/hot/json-python", "log me");
        var callId = response.Headers.GetValues("Fn-Call-Id").Single();

        var log = await fixture.Agent.Client.GetStringAsync($"v1/calls/{callId}/log");

        Assert.Contains($"got call {callId}", log);
    }

    [Fact]
    public async Task EachOfManyConcurrentCallsFindsExactlyItsOwnStderrInItsLog()
    {
        // The log barrier holds for every call, not just a lucky one: the line a function
        // wrote just before its answer is in that call's log, and no other call's line is.
        var failures = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            var wrong = new List<string>();
            for (var i = 0; i < 50; i++)
            {
                var (response, _) = await fixture.PostAsync("r/hot/json-python", "log me");
                var callId = response.Headers.GetValues("Fn-Call-Id").Single();
                var log = await fixture.Agent.Client.GetStringAsync($"v1/calls/{callId}/log");
                var pid = response.Headers.GetValues("X-Pid").Single();
                if (log != $"json_fn {pid} got call {callId}\n")
                {
                    wrong.Add($"{callId}: '{log}'");
                }
            }

            return wrong;
        }));

        Assert.Empty(failures.SelectMany(f => f));
    }
}
