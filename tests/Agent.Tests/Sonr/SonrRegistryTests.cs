using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;
using static Fnagent.Agent.Tests.Sonr.SonrSetup;

namespace Fnagent.Agent.Tests.Sonr;

/// <summary>Sonr's function table over the admin API (docs/protocols.md §9): added, listed, replaced, removed, kept across a restart.</summary>
public sealed class SonrRegistryTests : IDisposable
{
    private const string Alice = "did:sonr:alice";
    private readonly string _functions = FunctionsFolder();

    public void Dispose() => Directory.Delete(_functions, recursive: true);

    [Fact]
    public async Task AnAddedFunctionIsListedHereAndAmongAllFunctions_AReplacementIs200()
    {
        await using var agent = await RunningAgent.StartAsync(_functions);
        using var added = await AddAsync(agent.Client, "report", Report, Alice, new Uri("http://127.0.0.1:9/done"), ["lang"]);
        using var replaced = await AddAsync(agent.Client, "report", Report, "did:snr:1abc", parameters: ["lang", "mode"]);

        using var list = JsonDocument.Parse(await agent.Client.GetStringAsync("v1/sonr/functions"));
        using var all = JsonDocument.Parse(await agent.Client.GetStringAsync("v1/functions"));

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (added.StatusCode, replaced.StatusCode));
        var item = Assert.Single(list.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(("report", "did:snr:1abc", "lang,mode", "none"), (item.GetProperty("name").GetString(), item.GetProperty("controller").GetString(),
            string.Join(",", item.GetProperty("params").EnumerateArray().Select(p => p.GetString())), item.GetProperty("network").GetString()));
        Assert.Equal(JsonValueKind.Null, item.GetProperty("callback").ValueKind);
        Assert.StartsWith("bafkrei", item.GetProperty("binary").GetString(), StringComparison.Ordinal);
        Assert.Contains(all.RootElement.GetProperty("functions").EnumerateArray(), f => f.GetProperty("app").GetString() == "sonr" && f.GetProperty("name").GetString() == "report");
    }

    [Fact]
    public async Task TheRegistrySurvivesARestart()
    {
        var data = Directory.CreateTempSubdirectory("fnagent-sonr-data-").FullName;
        try
        {
            string content;
            await using (var first = await RunningAgent.StartAsync(_functions, o => o.DataDirectory = data))
            {
                content = await StoreAsync(first.Client, "kept words");
                (await AddAsync(first.Client, "report", Report, Alice)).Dispose();
            }

            await using var second = await RunningAgent.StartAsync(_functions, o => o.DataDirectory = data);
            var output = await second.Client.GetStringAsync($"v1/functions/report/{Alice}/{content}");

            Assert.Contains("content=kept words\n", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task RemoveStopsServingAtOnce()
    {
        await using var agent = await RunningAgent.StartAsync(_functions);
        var content = await StoreAsync(agent.Client, "words");
        (await AddAsync(agent.Client, "report", Report, Alice)).Dispose();
        using var before = await agent.Client.GetAsync($"v1/functions/report/{Alice}/{content}");

        using var removed = await agent.Client.DeleteAsync("v1/sonr/functions/report");
        using var after = await agent.Client.GetAsync($"v1/functions/report/{Alice}/{content}");
        using var again = await agent.Client.DeleteAsync("v1/sonr/functions/report");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.NotFound),
            (before.StatusCode, removed.StatusCode, after.StatusCode, again.StatusCode));
        Assert.False(Directory.Exists(Path.Combine(_functions, "sonr", "report")));
    }

    [Theory]
    [InlineData("""{"binary":"{binary}"}""", "controller", "required")]
    [InlineData("""{"controller":"did:key:z6Mk","binary":"{binary}"}""", "controller", "expected a DID like did:sonr:alice")]
    [InlineData("""{"controller":"did:sonr:alice"}""", "binary", "required")]
    [InlineData("""{"controller":"did:sonr:alice","binary":"QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"}""", "binary", "a CIDv0")]
    [InlineData("""{"controller":"did:sonr:alice","binary":"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"}""", "binary", "the content store has no blob")]
    [InlineData("""{"controller":"did:sonr:alice","binary":"{binary}","callback":"ftp://example.com/x"}""", "callback", "expected an http:// or https:// URL")]
    [InlineData("""{"controller":"did:sonr:alice","binary":"{binary}","callback":"http://example.com/#x"}""", "callback", "without a fragment")]
    [InlineData("""{"controller":"did:sonr:alice","binary":"{binary}","params":["9lives"]}""", "params", "expected a parameter name")]
    [InlineData("""{"controller":"did:sonr:alice","binary":"{binary}","params":["lang","LANG"]}""", "params", "each parameter once")]
    [InlineData("""{"controller":"did:sonr:alice","binary":"{binary}","params":"lang"}""", "params", "expected a list of parameter names")]
    [InlineData("""{"controller":"did:sonr:alice","binary":"{binary}","network":"wifi"}""", "network", "expected \"host\" or \"none\"")]
    [InlineData("""{"controller":"did:sonr:alice","binary":"{binary}","cmd":["x"]}""", "cmd", "unknown field")]
    public async Task ABadRegistrationNamesItsFieldAndIsNotWritten(string body, string field, string message)
    {
        await using var agent = await RunningAgent.StartAsync(_functions);
        var binary = await StoreAsync(agent.Client, "#!/bin/sh\necho hi\n");

        using var response = await agent.Client.PutAsync("v1/sonr/functions/report",
            new StringContent(body.Replace("{binary}", binary, StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json"));
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, answer.RootElement.GetProperty("error").GetProperty("field").GetString());
        Assert.Contains(message, answer.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_functions, "sonr")));
    }

    [Fact]
    public async Task ANameLongerThanAFileNameIsABadName()
    {
        await using var agent = await RunningAgent.StartAsync(_functions);
        var binary = await StoreAsync(agent.Client, "#!/bin/sh\necho hi\n");

        // The name becomes a folder's name: past 255 bytes the write failed with a 500.
        using var response = await agent.Client.PutAsync("v1/sonr/functions/" + new string('n', 256),
            new StringContent($$"""{"controller":"did:sonr:alice","binary":"{{binary}}"}""", System.Text.Encoding.UTF8, "application/json"));
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("name", answer.RootElement.GetProperty("error").GetProperty("field").GetString());
    }

    [Fact]
    public async Task WithAnAdminTokenCallsStayOpenButTheRegistryAsksForIt()
    {
        const string token = "sonr-registry-token-0123456789";
        await using var agent = await RunningAgent.StartAsync(_functions, o => o.AdminToken = token);
        var content = await StoreAsync(agent.Client, "words");
        using var refused = await AddAsync(agent.Client, "report", Report, Alice);
        using var listing = await agent.Client.GetAsync("v1/sonr/functions");

        agent.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        (await AddAsync(agent.Client, "report", Report, Alice)).Dispose();
        agent.Client.DefaultRequestHeaders.Authorization = null;
        using var call = await agent.Client.GetAsync($"v1/functions/report/{Alice}/{content}");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK), (refused.StatusCode, listing.StatusCode, call.StatusCode));
    }
}
