using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;
using static Fnagent.Agent.Tests.Sonr.SonrSetup;

namespace Fnagent.Agent.Tests.Sonr;

/// <summary>
/// Calls of Sonr functions at <c>/v1/functions/{name}/{did}/{cid}</c> (docs/protocols.md §9):
/// the binary in the sandbox with the CID as its argument, the content on stdin and its
/// parameters; every refusal with its status.
/// </summary>
public sealed class SonrInvocationTests : IAsyncLifetime
{
    private const string Alice = "did:sonr:alice";
    private readonly string _functions = FunctionsFolder();
    private RunningAgent _agent = null!;
    private string _content = null!;

    public async Task InitializeAsync()
    {
        _agent = await RunningAgent.StartAsync(_functions);
        _content = await StoreAsync(_agent.Client, "one two three");
        using var added = await AddAsync(_agent.Client, "report", Report, Alice, parameters: ["lang", "mode", "port"]);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        Directory.Delete(_functions, recursive: true);
    }

    [Fact]
    public async Task TheBinaryGetsTheCidAsItsArgumentTheContentOnStdinAndItsParameters()
    {
        using var response = await _agent.Client.GetAsync($"v1/functions/report/{Alice}/{_content}?lang=en%20GB&mode=x+y");
        var output = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"cid={_content}\nargs=1\ncontent=one two three\nlang=en GB\nmode=x y\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostRunsItToo_AnUnsetParameterIsNoVariable()
    {
        using var response = await _agent.Client.PostAsync($"v1/functions/report/{Alice}/{_content}", new StringContent("ignored: the input is the content"));
        var output = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("content=one two three\nlang=unset\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ItRunsSandboxedAsTheFunctionsUserWithoutNetwork()
    {
        using var response = await _agent.Client.GetAsync($"v1/functions/report/{Alice}/{_content}?port={_agent.Address.Port}");
        var output = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("uid=65534\n", output, StringComparison.Ordinal);
        Assert.Contains("net=no\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NetworkHostInItsDefinitionGivesItTheNetwork()
    {
        using var added = await AddAsync(_agent.Client, "online", Report, Alice, parameters: ["port"], network: "host");
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);

        using var response = await _agent.Client.GetAsync($"v1/functions/online/{Alice}/{_content}?port={_agent.Address.Port}");

        Assert.Contains("net=yes\n", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v1/functions/nobody/did:sonr:alice/{content}", 404, "no Sonr function \"nobody\"")]
    [InlineData("v1/functions/report/did:web:alice/{content}", 400, "did: expected a DID like did:sonr:alice")]
    [InlineData("v1/functions/report/did:sonr:/{content}", 400, "did: expected a DID")]
    [InlineData("v1/functions/report/sonr:alice/{content}", 400, "did: expected a DID")]
    [InlineData("v1/functions/report/did:sonr:al%20ice/{content}", 400, "did: expected a DID")]
    [InlineData("v1/functions/report/did:sonr:alice/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", 400, "cid: a CIDv0")]
    [InlineData("v1/functions/report/did:sonr:alice/bafkreiNOTACID", 400, "cid: a CID here is multibase base32")]
    [InlineData("v1/functions/report/did:snr:alice/{content}", 403, "did:snr:alice is not the controller of Sonr function \"report\"")]
    [InlineData("v1/functions/report/did:sonr:bob/{content}", 403, "did:sonr:bob is not the controller")]
    [InlineData("v1/functions/report/did:sonr:alice/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", 404, "the content store has no blob bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")]
    [InlineData("v1/functions/report/did:sonr:alice/{content}?colour=red", 400, "parameter \"colour\" is not declared by Sonr function \"report\" (it takes lang, mode, port)")]
    [InlineData("v1/functions/report/did:sonr:alice/{content}?LANG=en", 400, "parameter \"LANG\" is not declared")]
    [InlineData("v1/functions/report/did:sonr:alice/{content}?lang=en&lang=fr", 400, "parameter \"lang\" is given twice")]
    public async Task EveryBadCallIsRefusedWithItsStatusAndWhy(string path, int status, string message)
    {
        using var response = await _agent.Client.GetAsync(path.Replace("{content}", _content, StringComparison.Ordinal));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(message, await MessageAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AContentFileChangedOnDiskIsRefusedNamingItsCidNeverRun()
    {
        var cid = await StoreAsync(_agent.Client, "the original words");
        File.WriteAllText(Path.Combine(_agent.DataDirectory, "blobs", cid), "other words");

        using var response = await _agent.Client.GetAsync($"v1/functions/report/{Alice}/{cid}");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains($"the stored blob {cid} does not match its CID", await MessageAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingBinaryIsA502WithItsLogInTheCallRecord()
    {
        using var response = await _agent.Client.GetAsync($"v1/functions/report/{Alice}/{_content}?mode=fail");
        var callId = response.Headers.GetValues("Fn-Call-Id").Single();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("failing as asked", await _agent.Client.GetStringAsync($"v1/calls/{callId}/log"), StringComparison.Ordinal);
        using var record = JsonDocument.Parse(await _agent.Client.GetStringAsync($"v1/calls/{callId}"));
        Assert.Equal(("sonr", "report", 3), (record.RootElement.GetProperty("app").GetString(), record.RootElement.GetProperty("function").GetString(),
            record.RootElement.GetProperty("exit_code").GetInt32()));
    }

    [Fact]
    public async Task ItIsCalledOnlyWithItsControllersDid_NotAtItsRouteNorByItsId()
    {
        using var fns = JsonDocument.Parse(await _agent.Client.GetStringAsync("v2/fns?app_id=" + Uri.EscapeDataString(await AppIdAsync())));
        var fn = fns.RootElement.GetProperty("items").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "report");
        var id = fn.GetProperty("id").GetString();

        using var byRoute = await _agent.Client.GetAsync("r/sonr/report");
        using var byId = await _agent.Client.PostAsync($"invoke/{id}", new StringContent(""));

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (byRoute.StatusCode, byId.StatusCode));
        // Fn's clients POST to the advertised invokeEndpoint: a Sonr function must not advertise one.
        Assert.False(fn.GetProperty("annotations").TryGetProperty("fnproject.io/fn/invokeEndpoint", out _));
    }

    [Fact]
    public async Task ABinaryChangedOnDiskAfterItWasAddedChangesNothing()
    {
        var folder = Directory.CreateTempSubdirectory("fnagent-sonr-binary-").FullName;
        try
        {
            var binary = Path.Combine(folder, "hello");
            File.WriteAllText(binary, "#!/bin/sh\necho first\n");
            File.SetUnixFileMode(binary, (UnixFileMode)0b111_101_101);
            using var added = await AddAsync(_agent.Client, "hello", binary, Alice);
            File.WriteAllText(binary, "#!/bin/sh\necho second\n");

            Assert.Equal("first\n", await _agent.Client.GetStringAsync($"v1/functions/hello/{Alice}/{_content}"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<string> AppIdAsync()
    {
        using var apps = JsonDocument.Parse(await _agent.Client.GetStringAsync("v2/apps?name=sonr"));
        return apps.RootElement.GetProperty("items")[0].GetProperty("id").GetString()!;
    }
}
