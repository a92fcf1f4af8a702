using System.Net;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Management;

/// <summary>Code uploads through <c>PUT /v2/fns/{id}/code</c>: versions, builds, rollback, restarts, refusals.</summary>
public sealed class DeployTests : IAsyncLifetime
{
    private readonly string _functions = Directory.CreateTempSubdirectory("fnagent-deploy-").FullName;
    private readonly string _data = Directory.CreateTempSubdirectory("fnagent-deploy-data-").FullName;

    // Where functions mark that a call started: a folder the sandbox lets every function
    // write (Sandbox:WritablePaths), and the user of a root agent's functions too.
    private readonly string _started = Directory.CreateTempSubdirectory("fnagent-started-").FullName;
    private RunningAgent _agent = null!;

    private HttpClient Client => _agent.Client;

    public async Task InitializeAsync() => _agent = await StartAsync();

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        Directory.Delete(_functions, recursive: true);
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_started, recursive: true);
    }

    private Task<RunningAgent> StartAsync(Action<AgentOptions>? configure = null) => RunningAgent.StartAsync(_functions, options =>
    {
        options.DataDirectory = _data;
        File.SetUnixFileMode(_started, (UnixFileMode)0b111_111_111);
        options.Sandbox.WritablePaths = _started;
        configure?.Invoke(options);
    });

    private async Task<(string App, string Fn)> CreateAsync(string app, string fn)
    {
        var created = await Client.PostJsonAsync("v2/apps", new { name = app });
        return (created.Id(), (await Client.PostJsonAsync("v2/fns", new { name = fn, app_id = created.Id() })).Id());
    }

    private const string Trigger = "triggers: [{name: hello, type: http, source: /hello}]\n";

    // A body "slow" keeps the call running a second: long enough to deploy meanwhile.
    private const string SlowOnRequest = "read -r -t 5 first || true; if [ \"$first\" = slow ]; then touch \"$STARTED/$FN_CALL_ID\"; sleep 1; fi";

    [Fact]
    public async Task TheWholeLifeCycleThroughTheApi()
    {
        var (_, fn) = await CreateAsync("life", "greet");
        var v1 = await Client.PutCodeAsync(fn, CodeFolders.Bash("greet", "v1", Trigger, script: SlowOnRequest));
        Assert.Equal(1, (int)v1["version"]!);
        foreach (var path in new[] { "r/life/greet", "t/life/hello", $"invoke/{fn}" })
        {
            Assert.StartsWith("v1", await Client.CallAsync(path, "x"));
        }

        await Client.PutJsonAsync($"v2/fns/{fn}", new { config = new Dictionary<string, string> { ["GREETING"] = "hey", ["STARTED"] = _started } });
        Assert.StartsWith("v1 hey", await Client.CallAsync("r/life/greet"));

        // Calls running while a new version is deployed finish on the old one; none fails.
        var running = Enumerable.Range(0, 4).Select(_ => Client.CallAsync("r/life/greet", "slow\n")).ToList();
        for (var wait = 0; Directory.GetFiles(_started).Length < running.Count; wait++)
        {
            Assert.True(wait < 200, "the slow calls did not start within 10 s");
            await Task.Delay(50);
        }

        var v2 = await Client.PutCodeAsync(fn, CodeFolders.Bash("greet", "v2", Trigger));
        Assert.Equal(2, (int)v2["version"]!);
        Assert.All(await Task.WhenAll(running), answer => Assert.StartsWith("v1 hey", answer));
        Assert.StartsWith("v2 hey", await Client.CallAsync("t/life/hello"));

        var back = await Client.SendAsync(HttpMethod.Post, $"v2/fns/{fn}/rollback");
        Assert.Equal(1, (int)back["version"]!);
        Assert.StartsWith("v1 hey", await Client.CallAsync($"invoke/{fn}"));

        await Client.RemoveAsync($"v2/fns/{fn}");
        await Client.CallAsync("r/life/greet", "", HttpStatusCode.NotFound);
        Assert.False(Directory.Exists(Path.Combine(_functions, "life", "greet")));
    }

    [Fact]
    public async Task AFailedBuildLeavesTheOldVersionServing()
    {
        var (_, fn) = await CreateAsync("builds", "fragile");
        await Client.PutCodeAsync(fn, CodeFolders.Bash("fragile", "good"));
        var failed = await Client.PutCodeAsync(fn, CodeFolders.Bash("fragile", "bad", "build: [bash, -c, \"echo the build broke >&2; exit 3\"]\n"), HttpStatusCode.BadRequest);
        Assert.Equal("build", failed.Field());
        Assert.Contains("the build broke", (string)failed["error"]!["message"]!);
        Assert.StartsWith("good", await Client.CallAsync("r/builds/fragile"));
        Assert.Equal(["1"], Directory.EnumerateDirectories(Path.Combine(_functions, "builds", "fragile", ".versions")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task OfTwoDeploysAtOnceOneWinsAndTheOtherGets409()
    {
        var (_, fn) = await CreateAsync("race", "twice");
        var slow = CodeFolders.Bash("twice", "slow", "build: [sleep, \"2\"]\n");
        var answers = await Task.WhenAll(Client.PutAsync($"v2/fns/{fn}/code", new ByteArrayContent(slow)), DelayedAsync());
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
        Assert.StartsWith("slow", await Client.CallAsync("r/race/twice"));

        async Task<HttpResponseMessage> DelayedAsync()
        {
            await Task.Delay(500);
            return await Client.PutAsync($"v2/fns/{fn}/code", new ByteArrayContent(CodeFolders.Bash("twice", "fast")));
        }
    }

    [Fact]
    public async Task AnArchiveThatEscapesOrLiesIsRefusedAndNothingIsWritten()
    {
        var (_, fn) = await CreateAsync("hostile", "target");
        var escapes = CodeFolders.Pack(("func.yml", "name: target\ncmd: cat\n", CodeFolders.Plain), ("../../escaped", "x", CodeFolders.Plain));
        Assert.Equal("code", (await Client.PutCodeAsync(fn, escapes, HttpStatusCode.BadRequest)).Field());
        Assert.Equal("name", (await Client.PutCodeAsync(fn, CodeFolders.Bash("other", "x"), HttpStatusCode.BadRequest)).Field());
        Assert.Equal("code", (await Client.PutCodeAsync(fn, CodeFolders.Pack(("README", "no definition", CodeFolders.Plain)), HttpStatusCode.BadRequest)).Field());
        Assert.Equal("code", (await Client.PutCodeAsync(fn, "not a tar"u8.ToArray(), HttpStatusCode.BadRequest)).Field());
        Assert.False(File.Exists(Path.Combine(_functions, "hostile", "escaped")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_functions, "hostile", "target", ".versions")));
        Assert.Contains("no code yet", await Client.CallAsync($"invoke/{fn}", "", HttpStatusCode.ServiceUnavailable));
    }

    [Fact]
    public async Task ARestartKeepsIdsAppsConfigAndVersions()
    {
        var app = await Client.PostJsonAsync("v2/apps", new { name = "kept", config = new Dictionary<string, string> { ["GREETING"] = "again" } });
        var fn = (await Client.PostJsonAsync("v2/fns", new { name = "fn", app_id = app.Id() })).Id();
        await Client.PutCodeAsync(fn, CodeFolders.Bash("fn", "v1"));
        await Client.PutCodeAsync(fn, CodeFolders.Bash("fn", "v2", Trigger));
        var before = await Client.GetJsonAsync($"v2/fns/{fn}");

        await _agent.DisposeAsync();
        _agent = await StartAsync();
        var after = await Client.GetJsonAsync($"v2/fns/{fn}");
        // Everything but the endpoints' URLs, which name the new agent's port.
        before.Remove("annotations");
        after.Remove("annotations");
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
        Assert.Equal(app.Id(), (string)(await Client.GetJsonAsync("v2/apps?name=kept"))["items"]![0]!["id"]!);
        Assert.StartsWith("v2 again", await Client.CallAsync("t/kept/hello"));
        await Client.SendAsync(HttpMethod.Post, $"v2/fns/{fn}/rollback");
        Assert.StartsWith("v1 again", await Client.CallAsync("r/kept/fn"));
    }
}
