using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;
using static Fnagent.Agent.Tests.Sonr.SonrSetup;

namespace Fnagent.Agent.Tests.Sonr;

/// <summary>
/// Sonr functions with a callback (docs/protocols.md §9): the caller gets 202 and the call id;
/// the output is POSTed to the callback, retried with backoff, durably; the record says how
/// the delivery went.
/// </summary>
public sealed class SonrCallbackTests : IAsyncLifetime
{
    private const string Alice = "did:sonr:alice";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _functions = FunctionsFolder();
    private CallbackListener _listener = null!;

    public async Task InitializeAsync() => _listener = await CallbackListener.StartAsync();

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        Directory.Delete(_functions, recursive: true);
    }

    [Fact]
    public async Task ACallbackThatFailsTwiceThenSucceedsIsDeliveredOnceAfterThreeAttempts()
    {
        _listener.Answer = n => n <= 2 ? 503 : 200;
        await using var agent = await RunningAgent.StartAsync(_functions, o => o.Callbacks.FirstRetryDelay = TimeSpan.FromMilliseconds(100));
        var content = await StoreAsync(agent.Client, "one two");
        (await AddAsync(agent.Client, "report", Report, Alice, _listener.Url, ["lang"])).Dispose();

        using var accepted = await agent.Client.GetAsync($"v1/functions/report/{Alice}/{content}?lang=fr");
        var callId = await CallIdAsync(accepted);
        var callback = await SettledAsync(agent.Client, callId);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal($"/v1/calls/{callId}", accepted.Headers.Location?.ToString());
        Assert.Equal(("delivered", 3, 200), (callback.GetProperty("state").GetString(), callback.GetProperty("attempts").GetInt32(), callback.GetProperty("last_status").GetInt32()));
        var delivery = Assert.Single(_listener.Accepted);
        Assert.Equal(3, _listener.Deliveries.Count);
        Assert.Equal((callId, "report", content, "200"), (delivery.Headers["Sonr-Call-Id"], delivery.Headers["Sonr-Function"], delivery.Headers["Sonr-Cid"], delivery.Headers["Sonr-Status"]));
        Assert.Contains("content=one two\nlang=fr\n", System.Text.Encoding.UTF8.GetString(delivery.Body), StringComparison.Ordinal);
        Assert.All(_listener.Deliveries, d => Assert.Equal(callId, d.Headers["Sonr-Call-Id"]));
    }

    [Fact]
    public async Task AnAgentKilledBeforeDeliveryDeliversAfterItsRestart()
    {
        _listener.Answer = _ => 500;
        var data = Directory.CreateTempSubdirectory("fnagent-sonr-data-").FullName;
        string[] args = ["serve", "--functions", _functions, "--urls", "http://127.0.0.1:0", "--data", data];
        var environment = new Dictionary<string, string> { ["FNAGENT_Callbacks__FirstRetryDelay"] = "00:00:00.2", ["FNAGENT_Callbacks__MaxRetryDelay"] = "00:00:00.5" };
        try
        {
            string callId;
            await using (var first = await ServeProcess.StartAsync(_functions, environment, args))
            {
                Assert.True(first.Address is not null, first.Errors);
                using var client = new HttpClient { BaseAddress = first.Address, Timeout = TimeSpan.FromSeconds(30) };
                var content = await StoreAsync(client, "across a restart");
                (await AddAsync(client, "report", Report, Alice, _listener.Url)).Dispose();
                using var accepted = await client.GetAsync($"v1/functions/report/{Alice}/{content}");
                callId = await CallIdAsync(accepted);
                Assert.True(await ProcessTable.EventuallyAsync(() => _listener.Deliveries.Count >= 2, Bound), "no attempt reached the listener");
                await first.KillAsync();
            }

            var refusedBeforeTheKill = _listener.Deliveries.Count;
            _listener.Answer = _ => 200;
            await using var second = await ServeProcess.StartAsync(_functions, environment, args);
            Assert.True(second.Address is not null, second.Errors);
            using var again = new HttpClient { BaseAddress = second.Address, Timeout = TimeSpan.FromSeconds(30) };
            var callback = await SettledAsync(again, callId);

            Assert.Equal("delivered", callback.GetProperty("state").GetString());
            Assert.Equal(callId, Assert.Single(_listener.Accepted).Headers["Sonr-Call-Id"]);
            Assert.True(callback.GetProperty("attempts").GetInt32() >= refusedBeforeTheKill, $"attempts {callback.GetProperty("attempts")} < {refusedBeforeTheKill}");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task ARedirectIsNotFollowed_TheCallbackFailsAtOnce()
    {
        _listener.Answer = _ => 302;
        await using var agent = await RunningAgent.StartAsync(_functions, o => o.Callbacks.FirstRetryDelay = TimeSpan.FromMilliseconds(100));
        var content = await StoreAsync(agent.Client, "words");
        (await AddAsync(agent.Client, "report", Report, Alice, _listener.Url)).Dispose();

        using var accepted = await agent.Client.GetAsync($"v1/functions/report/{Alice}/{content}");
        var callback = await SettledAsync(agent.Client, await CallIdAsync(accepted));

        Assert.Equal(("failed", 1, 302), (callback.GetProperty("state").GetString(), callback.GetProperty("attempts").GetInt32(), callback.GetProperty("last_status").GetInt32()));
        Assert.Contains("redirects are not followed", callback.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.All(_listener.Deliveries, d => Assert.Equal("/done", d.Path));
    }

    [Fact]
    public async Task ACallbackNeverAcceptedIsGivenUpAfterItsBound()
    {
        _listener.Answer = _ => 500;
        await using var agent = await RunningAgent.StartAsync(_functions, o =>
        {
            o.Callbacks.FirstRetryDelay = TimeSpan.FromMilliseconds(50);
            o.Callbacks.GiveUpAfter = TimeSpan.FromMilliseconds(500);
        });
        var content = await StoreAsync(agent.Client, "words");
        (await AddAsync(agent.Client, "report", Report, Alice, _listener.Url)).Dispose();

        using var accepted = await agent.Client.GetAsync($"v1/functions/report/{Alice}/{content}");
        var callback = await SettledAsync(agent.Client, await CallIdAsync(accepted));

        Assert.Equal("failed", callback.GetProperty("state").GetString());
        Assert.StartsWith($"gave up after {callback.GetProperty("attempts").GetInt32()} attempts: answered 500", callback.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.Equal(callback.GetProperty("attempts").GetInt32(), _listener.Deliveries.Count);
    }

    [Fact]
    public async Task AMissingContentIs404BeforeAnythingIsAccepted()
    {
        await using var agent = await RunningAgent.StartAsync(_functions);
        (await AddAsync(agent.Client, "report", Report, Alice, _listener.Url)).Dispose();

        using var response = await agent.Client.GetAsync($"v1/functions/report/{Alice}/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(_listener.Deliveries);
    }

    private static async Task<string> CallIdAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return answer.RootElement.GetProperty("call_id").GetString()!;
    }

    /// <summary>The call's <c>callback</c> once it is no longer pending.</summary>
    private static async Task<JsonElement> SettledAsync(HttpClient client, string callId)
    {
        JsonElement callback = default;
        var settled = await ProcessTable.EventuallyAsync(async () =>
        {
            using var record = JsonDocument.Parse(await client.GetStringAsync($"v1/calls/{callId}"));
            callback = record.RootElement.GetProperty("callback").Clone();
            return callback.ValueKind == JsonValueKind.Object && callback.GetProperty("state").GetString() != "pending";
        }, Bound);
        Assert.True(settled, $"call {callId}: callback still {callback}");
        return callback;
    }
}
