using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Fnagent.Agent.Tests.Serving;

/// <summary>Async calls through a real agent: 202 once stored, then run, their record and output kept (docs/protocols.md §10).</summary>
public sealed class AsyncCallsTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TempFolder _folder = new();

    public AsyncCallsTests()
    {
        _folder.Write("ledger/func.yml", """
            name: ledger
            app: tests
            type: async
            cmd: [bash, -c, 'echo "type=$FN_TYPE id=$FN_CALL_ID"; cat']
            """);
        _folder.Write("json/func.yml", $"""
            name: json
            app: tests
            format: json
            cmd: [node, {Path.Combine(RunningAgent.TestFunctions, "hot", "scripts", "json_fn.js")}]
            """);

        // Holds each async call until its gate file exists: calls pile up in the queue meanwhile.
        _folder.Write("gated/func.yml", $"""
            name: gated
            app: tests
            type: async
            max_concurrency: 2
            cmd: [bash, -c, 'while [ "$FN_TYPE" = async ] && [ ! -e {_folder.Path}/gated/open ]; do sleep 0.02; done; echo "$FN_TYPE done"']
            """);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AnAsyncCallThatFindsNoFreePlaceGoesBackToTheQueueInsteadOfFailing()
    {
        // One place; a sync call holds it until the gate opens; no waiting for a place (QueueWait 0).
        _folder.Write("single/func.yml", $"""
            name: single
            app: tests
            type: async
            max_concurrency: 1
            cmd: [bash, -c, 'while [ "$FN_TYPE" = sync ] && [ ! -e {_folder.Path}/single/open ]; do sleep 0.02; done; echo "$FN_TYPE done"']
            """);
        await using var agent = await RunningAgent.StartAsync(_folder.Path, o => o.Limits.QueueWait = TimeSpan.Zero);
        using var sync = new HttpRequestMessage(HttpMethod.Post, "r/tests/single");
        sync.Headers.Add("Fn-Invoke-Type", "sync");
        var held = agent.Client.SendAsync(sync);
        Assert.True(await ProcessTable.EventuallyAsync(async () =>
        {
            using var page = JsonDocument.Parse(await agent.Client.GetStringAsync("v1/calls?fn=single&status=running"));
            return page.RootElement.GetProperty("calls").GetArrayLength() == 1;
        }, Bound));

        using var accepted = await agent.Client.PostAsync("r/tests/single", null);
        var callId = await CallIdOf(accepted);

        // Tried and refused a place at least once by now (a retry a second later), still waiting
        // (or in its next try).
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Contains(await StatusAsync(agent.Client, callId), new[] { "queued", "running" });

        File.WriteAllText(Path.Combine(_folder.Path, "single", "open"), "");
        using (var served = await held.WaitAsync(Bound))
        {
            Assert.Equal("sync done\n", await served.Content.ReadAsStringAsync());
        }

        using var ended = await EndedAsync(agent.Client, callId);
        Assert.Equal("success", ended.RootElement.GetProperty("status").GetString());
        using var output = await agent.Client.GetAsync($"v1/calls/{callId}/output");
        Assert.Equal("async done\n", await output.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnAsyncFunctionAnswers202ThenRunsAndKeepsItsRecordAndOutput()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path);
        using var accepted = await agent.Client.PostAsync("r/tests/ledger", new StringContent("the body"));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var callId = await CallIdOf(accepted);
        Assert.Equal(callId, accepted.Headers.GetValues("Fn-Call-Id").Single());
        Assert.Equal($"/v1/calls/{callId}", accepted.Headers.Location!.OriginalString);

        using var record = await EndedAsync(agent.Client, callId);
        var call = record.RootElement;
        Assert.Equal(("async", "success", 200), (call.GetProperty("type").GetString(), call.GetProperty("status").GetString(), call.GetProperty("http_status").GetInt32()));
        Assert.True(call.GetProperty("queue_wait_ms").GetDouble() >= 0);
        Assert.True(call.GetProperty("cold").GetBoolean());

        using var output = await agent.Client.GetAsync($"v1/calls/{callId}/output");
        Assert.Equal(HttpStatusCode.OK, output.StatusCode);
        Assert.Equal($"type=async id={callId}\nthe body", await output.Content.ReadAsStringAsync());
        Assert.Equal("200", output.Headers.GetValues("Fn-Http-Status").Single());
    }

    [Fact]
    public async Task FnInvokeTypeDetachedMakesACallOfAnyFunctionAsync()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path);
        using var request = new HttpRequestMessage(HttpMethod.Post, "r/tests/json") { Content = new StringContent("""{"n":1}""", Encoding.UTF8, "application/json") };
        request.Headers.Add("Fn-Invoke-Type", "detached");
        using var accepted = await agent.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var callId = await CallIdOf(accepted);
        using (await EndedAsync(agent.Client, callId))
        {
        }

        using var output = await agent.Client.GetAsync($"v1/calls/{callId}/output");
        Assert.Equal("text/plain", output.Content.Headers.ContentType!.MediaType);
        Assert.Equal("""{"n":1}""", await output.Content.ReadAsStringAsync());

        // The same function called without the header is an ordinary sync call.
        using var sync = await agent.Client.PostAsync("r/tests/json", new StringContent("""{"n":2}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, sync.StatusCode);
        using var notAsync = await agent.Client.GetAsync($"v1/calls/{sync.Headers.GetValues("Fn-Call-Id").Single()}/output");
        Assert.Equal(HttpStatusCode.NotFound, notAsync.StatusCode);
        Assert.Contains("not an async call", await notAsync.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnInvokeTypeThatIsNeitherSyncNorDetachedIs400()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path);
        using var request = new HttpRequestMessage(HttpMethod.Post, "r/tests/json") { Content = new StringContent("{}") };
        request.Headers.Add("Fn-Invoke-Type", "later");
        using var response = await agent.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Fn-Invoke-Type", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ABodyOverTheAsyncLimitIs413AndNothingIsQueued(bool chunked)
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path, o => o.Limits.MaxAsyncBodyBytes = 1000);
        HttpContent content = new ByteArrayContent(new byte[1001]);
        if (chunked)
        {
            content = new StreamContent(new MemoryStream(new byte[1001]));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "r/tests/ledger") { Content = content };
        request.Headers.TransferEncodingChunked = chunked;
        using var response = await agent.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("too large for an async call (limit 1000 bytes)", await response.Content.ReadAsStringAsync());
        using var listing = JsonDocument.Parse(await agent.Client.GetStringAsync("v1/calls?fn=ledger"));
        Assert.Empty(listing.RootElement.GetProperty("calls").EnumerateArray());

        using var fits = await agent.Client.PostAsync("r/tests/ledger", new ByteArrayContent(new byte[1000]));
        Assert.Equal(HttpStatusCode.Accepted, fits.StatusCode);
    }

    [Fact]
    public async Task AQueuePastItsBoundAnswers503WithRetryAfterAndTheAcceptedCallsAllRun()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path, o => o.Limits.MaxQueuedAsyncCalls = 3);

        // gated: max_concurrency 2, so one async call at a time runs (async_concurrency
        // defaults to half); it holds until the gate opens, and the next three wait.
        var ids = new List<string>();
        using (var first = await agent.Client.PostAsync("r/tests/gated", null))
        {
            ids.Add(await CallIdOf(first));
        }

        Assert.True(await ProcessTable.EventuallyAsync(async () => await StatusAsync(agent.Client, ids[0]) == "running", Bound));
        for (var i = 0; i < 3; i++)
        {
            using var queued = await agent.Client.PostAsync("r/tests/gated", null);
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
            ids.Add(await CallIdOf(queued));
        }

        using var refused = await agent.Client.PostAsync("r/tests/gated", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter!.Delta);
        Assert.Contains("too many async calls wait", await refused.Content.ReadAsStringAsync());
        Assert.Equal("queued", await StatusAsync(agent.Client, ids[3]));

        File.WriteAllText(Path.Combine(_folder.Path, "gated", "open"), "");
        foreach (var id in ids)
        {
            using var ended = await EndedAsync(agent.Client, id);
            Assert.Equal("success", ended.RootElement.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task SyncCallsOfAFunctionAreServedWhileItsAsyncCallsWait()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path);
        var queued = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            using var accepted = await agent.Client.PostAsync("r/tests/gated", null);
            queued.Add(await CallIdOf(accepted));
        }

        // Async calls hold one of the function's two places (async_concurrency is half of
        // max_concurrency); the other stays the sync callers'.
        Assert.True(await ProcessTable.EventuallyAsync(async () => await StatusAsync(agent.Client, queued[0]) == "running", Bound));
        for (var i = 0; i < 3; i++)
        {
            using var sync = new HttpRequestMessage(HttpMethod.Post, "r/tests/gated");
            sync.Headers.Add("Fn-Invoke-Type", "sync");
            using var served = await agent.Client.SendAsync(sync).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal("sync done\n", await served.Content.ReadAsStringAsync());
        }

        Assert.Equal("queued", await StatusAsync(agent.Client, queued[^1]));
        File.WriteAllText(Path.Combine(_folder.Path, "gated", "open"), "");
        foreach (var id in queued)
        {
            using var ended = await EndedAsync(agent.Client, id);
            Assert.Equal("success", ended.RootElement.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task ACallTheDatabaseRefusesIs503AndNothingOfItIsKeptOrRun()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path);

        // Another connection holds the write lock past the writer's busy timeout: the commit
        // fails as it would on a full disk (SQLITE_BUSY there, SQLITE_FULL here, the same path).
        using (var holder = new SqliteConnection($"Data Source={Path.Combine(agent.DataDirectory, "fnagent.db")};Pooling=False"))
        {
            holder.Open();
            using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE;";
                begin.ExecuteNonQuery();
            }

            using var refused = await agent.Client.PostAsync("r/tests/ledger", new StringContent("never stored"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Contains("could not be stored", await refused.Content.ReadAsStringAsync());
            var callId = refused.Headers.GetValues("Fn-Call-Id").Single();

            using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            rollback.ExecuteNonQuery();

            using var missing = await agent.Client.GetAsync($"v1/calls/{callId}");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        // The writer recovers, and the agent serves the next call.
        using var accepted = await agent.Client.PostAsync("r/tests/ledger", new StringContent("stored"));
        using var ended = await EndedAsync(agent.Client, await CallIdOf(accepted));
        Assert.Equal("success", ended.RootElement.GetProperty("status").GetString());
        using var page = JsonDocument.Parse(await agent.Client.GetStringAsync("v1/calls?fn=ledger"));
        Assert.Single(page.RootElement.GetProperty("calls").EnumerateArray());
    }

    [Fact]
    public async Task AnAgentThatKeepsCallsInMemoryOnlyRefusesAsyncCallsByTheSetting()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path, o => o.CallStore = CallStoreKind.Memory);
        using var response = await agent.Client.PostAsync("r/tests/ledger", new StringContent("x"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("CallStore", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheOutputOfAnUnknownCallIs404()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path);
        using var response = await agent.Client.GetAsync("v1/calls/01NOSUCHCALL/output");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"error":{"message":"no call 01NOSUCHCALL"}}""", await response.Content.ReadAsStringAsync());
    }

    internal static async Task<string> CallIdOf(HttpResponseMessage accepted)
    {
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        using var body = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("call_id").GetString()!;
    }

    /// <summary>The call's record once it is neither queued nor running (bounded).</summary>
    internal static async Task<JsonDocument> EndedAsync(HttpClient client, string callId)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var record = JsonDocument.Parse(await client.GetStringAsync($"v1/calls/{callId}"));
            var status = record.RootElement.GetProperty("status").GetString();
            if (status is not ("queued" or "running") || DateTime.UtcNow > deadline)
            {
                return record;
            }

            record.Dispose();
            await Task.Delay(20);
        }
    }

    private static async Task<string?> StatusAsync(HttpClient client, string callId)
    {
        using var record = JsonDocument.Parse(await client.GetStringAsync($"v1/calls/{callId}"));
        return record.RootElement.GetProperty("status").GetString();
    }
}
