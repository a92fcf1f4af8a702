using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;
using Fnagent.Direktiv;

namespace Fnagent.Agent.Tests.Direktiv;

/// <summary>
/// What a Direktiv function written like Direktiv's examples gets from the agent, whatever
/// the isolation: run once with namespaces (where available) and once with the port fallback.
/// </summary>
public abstract class DirektivFunctionContract(DirektivFixture fixture)
{
    [Fact]
    public async Task ASuccessfulCallReturnsTheFunctionsJsonWithTheCallIdAsActionId()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/greeter", new { name = "Ada" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Hello Ada from greeter", body.GetProperty("greeting").GetString());
        Assert.Equal(response.Headers.GetValues("Fn-Call-Id").Single(), body.GetProperty("actionId").GetString());
    }

    [Fact]
    public async Task EachCallGetsAPrivateTempDirThatIsGoneAfterTheCall()
    {
        var (_, first) = await fixture.PostAsync("r/direktiv/greeter", new { });
        var (_, second) = await fixture.PostAsync("r/direktiv/greeter", new { });

        Assert.True(first.GetProperty("tempDirExists").GetBoolean());
        Assert.NotEqual(first.GetProperty("tempDir").GetString(), second.GetProperty("tempDir").GetString());
        Assert.False(Directory.Exists(first.GetProperty("tempDir").GetString()));
    }

    [Fact]
    public async Task AnErrorCodeHeaderIsACatchable422CarryingCodeAndMessage()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/greeter", new { action = "error" });

        Assert.Equal(HttpStatusCode.UnprocessableContent, response.StatusCode);
        Assert.Equal("myapp.input", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("Missing 'customerId' property in JSON input.", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task AnErrorMessageWithoutCodeIsA502CrashAndTheFunctionServesOn()
    {
        var (crashed, body) = await fixture.PostAsync("r/direktiv/greeter", new { action = "crash" });
        var (after, afterBody) = await fixture.PostAsync("r/direktiv/greeter", new { });

        Assert.Equal(HttpStatusCode.BadGateway, crashed.StatusCode);
        Assert.Contains("crashed: something broke", body.GetProperty("error").GetProperty("message").GetString());
        Assert.False(body.GetProperty("error").TryGetProperty("code", out _));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.True(afterBody.TryGetProperty("greeting", out _));
    }

    [Fact]
    public async Task LinesPostedAndGotOnPort8889AppearInTheCallsLog()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/greeter", new { action = "log", post = "first line\nsecond line", get = "third line" });
        var log = await fixture.LogOfAsync(response);

        Assert.Equal(200, body.GetProperty("posted").GetInt32());
        Assert.Equal(200, body.GetProperty("got").GetInt32());
        Assert.Contains("first line\nsecond line\nthird line\n", log);
    }

    [Fact]
    public async Task TheLogEndpointAnswers404ForAnUnknownAidAnd413ForAnOversizeBody()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/greeter", new { action = "probe-log" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(404, body.GetProperty("unknown").GetInt32());
        Assert.Equal(413, body.GetProperty("oversize").GetInt32());
    }

    [Fact]
    public async Task TwoFunctionsAreHotAtOnceEachOnItsOwnPort()
    {
        var calls = new[] { "r/direktiv/greeter", "r/direktiv/twin", "r/direktiv/greeter", "r/direktiv/twin" }
            .Select(path => fixture.PostAsync(path, new { action = "sleep", ms = 200 }).ContinueWith(_ => fixture.PostAsync(path, new { })).Unwrap());
        var answers = await Task.WhenAll(calls);
        var (greeterResponse, greeter) = await fixture.PostAsync("r/direktiv/greeter", new { });
        var (twinResponse, twin) = await fixture.PostAsync("r/direktiv/twin", new { });

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Response.StatusCode));
        Assert.Equal("Hello world from twin", twin.GetProperty("greeting").GetString());
        Assert.NotEqual(await fixture.Agent.PidOfAsync(greeterResponse), await fixture.Agent.PidOfAsync(twinResponse));
        if (fixture.Mode == DirektivIsolation.Namespace)
        {
            Assert.Equal(8080, greeter.GetProperty("port").GetInt32());
            Assert.Equal(8080, twin.GetProperty("port").GetInt32());
        }
        else
        {
            Assert.NotEqual(greeter.GetProperty("port").GetInt32(), twin.GetProperty("port").GetInt32());
        }
    }

    [Fact]
    public async Task ManyCallsInFlightAtOnceAreServedByOneInstance()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => fixture.PostAsync("r/direktiv/greeter", new { action = "sleep", ms = 300 })));
        var (after, _) = await fixture.PostAsync("r/direktiv/greeter", new { });
        var (again, _) = await fixture.PostAsync("r/direktiv/greeter", new { });

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Response.StatusCode));
        Assert.Equal(await fixture.Agent.PidOfAsync(after), await fixture.Agent.PidOfAsync(again));
    }

    [Fact]
    public async Task AFunctionWithMinIdleIsStartedBeforeItsFirstCallAndServesIt()
    {
        await WaitForAsync(() => ProcessTable.Matching("direktiv_fn.js warm-instance").Count > 0);
        var (response, body) = await fixture.PostAsync("r/direktiv/warm", new { });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(await fixture.Agent.PidOfAsync(response), ProcessTable.Matching("direktiv_fn.js warm-instance", withSandbox: true));
    }

    [Fact]
    public async Task ADeadlineSendsDeleteWithTheActionIdToTheFunctionThenAnswers504()
    {
        var record = Path.Combine(fixture.Records, $"fnagent-delete-{Guid.NewGuid():N}");
        try
        {
            var (response, body) = await fixture.PostAsync("r/direktiv/greeter", new { action = "sleep", ms = 20_000, record });

            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.Contains("timed out", body.GetProperty("error").GetProperty("message").GetString());
            Assert.Equal($"DELETE {response.Headers.GetValues("Fn-Call-Id").Single()}", await File.ReadAllTextAsync(record));
        }
        finally
        {
            File.Delete(record);
        }
    }

    [Fact]
    public async Task ACallerWhoGoesAwaySendsDeleteWithTheActionIdToTheFunction()
    {
        var record = Path.Combine(fixture.Records, $"fnagent-delete-{Guid.NewGuid():N}");
        try
        {
            using var abort = new CancellationTokenSource();
            var call = fixture.PostAsync("r/direktiv/twin", new { action = "sleep", ms = 20_000, record }, abort.Token);
            await WaitForAsync(() => File.Exists(record));
            var actionId = File.ReadAllText(record).Split(' ', 2)[1];
            abort.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call).WaitAsync(TimeSpan.FromSeconds(10));

            await WaitForAsync(() => File.ReadAllText(record) == $"DELETE {actionId}");
        }
        finally
        {
            File.Delete(record);
        }
    }

    [Fact]
    public async Task LogLinesPostedJustAfterTheAnswerStillReachTheCallsLog()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/careless", new { name = "Ada" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Hello Ada", body.GetProperty("greeting").GetString());
        var log = await WaitForLogAsync(response, "answered Ada\n");
        Assert.Contains("reading input\n", log);
    }

    [Fact]
    public async Task WhatAFunctionPrintsBeforeItExitsUnlistenedIsInTheLogOfTheCallThatStartedIt()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/early-exit", new { });
        var log = await fixture.LogOfAsync(response);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("exited with code 1", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains("loading settings\n", log);
        Assert.Contains("Error: no settings file\n", log);
        Assert.Contains("exited with code 1", log);
    }

    [Fact]
    public async Task AfterAFunctionCrashedOnInvalidJsonTheNextCallIsServedByAFreshInstance()
    {
        for (var round = 0; round < 6; round++)
        {
            using var crashed = await fixture.Agent.Client.PostAsync("r/direktiv/careless", new StringContent("{not json"));
            var (next, body) = await fixture.PostAsync("r/direktiv/careless", new { name = "Ada" });

            Assert.Equal(HttpStatusCode.BadGateway, crashed.StatusCode);
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            Assert.Equal("Hello Ada", body.GetProperty("greeting").GetString());
        }
    }

    [Fact]
    public async Task ACallRefusedByAnInstanceThatIsGoingAwayIsRetriedOnAFreshOne()
    {
        // Only the port fallback lets a function refuse a connection while it lives; in a
        // namespace the relay accepts for it until it exits.
        if (fixture.Mode != DirektivIsolation.Port)
        {
            return;
        }

        var (left, leaving) = await fixture.PostAsync("r/direktiv/careless", new { name = "Ada", action = "leave" });
        var (next, body) = await fixture.PostAsync("r/direktiv/careless", new { name = "Grace" });

        Assert.Equal(HttpStatusCode.OK, left.StatusCode);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("Hello Grace", body.GetProperty("greeting").GetString());
        Assert.NotEqual(await fixture.Agent.PidOfAsync(left), await fixture.Agent.PidOfAsync(next));
    }

    /// <summary>The call's log once it holds <paramref name="text"/>; fails after 15 s.</summary>
    private async Task<string> WaitForLogAsync(HttpResponseMessage response, string text)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var log = await fixture.LogOfAsync(response);
            if (log.Contains(text, StringComparison.Ordinal))
            {
                return log;
            }

            Assert.True(DateTime.UtcNow < until, $"'{text.TrimEnd()}' not in the call's log within 15 s; it holds: {log}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits (bounded, polling with pauses) for a condition on the outside world.</summary>
    private static async Task WaitForAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "condition not met within 15 s");
            await Task.Delay(20);
        }
    }
}
