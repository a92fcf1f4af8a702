using System.Net;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Management;

/// <summary>Apps, fns and triggers through Fn's v2 API, against a real agent on an empty functions folder.</summary>
public sealed class ManagementApiTests : IAsyncLifetime
{
    private readonly string _functions = Directory.CreateTempSubdirectory("fnagent-v2-").FullName;
    private RunningAgent _agent = null!;

    private HttpClient Client => _agent.Client;

    public async Task InitializeAsync() => _agent = await RunningAgent.StartAsync(_functions);

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        Directory.Delete(_functions, recursive: true);
    }

    private static Dictionary<string, string> Config(params (string Key, string Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value);

    [Fact]
    public async Task AnAppIsCreatedListedChangedAndDeletedAsAFile()
    {
        var app = await Client.PostJsonAsync("v2/apps", new { name = "shop", config = Config(("REGION", "eu"), ("LEVEL", "1")) });
        Assert.Equal("shop", (string)app["name"]!);
        Assert.Equal(26, app.Id().Length);
        Assert.True(File.Exists(Path.Combine(_functions, "shop", "app.yml")));

        Assert.Equal(app.Id(), (await Client.GetJsonAsync($"v2/apps/{app.Id()}")).Id());
        var conflict = await Client.PostJsonAsync("v2/apps", new { name = "shop" }, HttpStatusCode.Conflict);
        Assert.Equal("name", conflict.Field());

        var changed = await Client.PutJsonAsync($"v2/apps/{app.Id()}", new { config = Config(("LEVEL", ""), ("TIER", "gold")) });
        Assert.Equal("""{"REGION":"eu","TIER":"gold"}""", changed["config"]!.ToJsonString());
        Assert.Equal("name", (await Client.PutJsonAsync($"v2/apps/{app.Id()}", new { name = "other" }, HttpStatusCode.Conflict)).Field());

        await Client.RemoveAsync($"v2/apps/{app.Id()}");
        await Client.GetJsonAsync($"v2/apps/{app.Id()}", HttpStatusCode.NotFound);
        Assert.False(Directory.Exists(Path.Combine(_functions, "shop")));
    }

    [Fact]
    public async Task AppsArePagedByNameWithFnsCursor()
    {
        foreach (var name in new[] { "c-app", "a-app", "b-app" })
        {
            await Client.PostJsonAsync("v2/apps", new { name });
        }

        var first = await Client.GetJsonAsync("v2/apps?per_page=2");
        Assert.Equal(["a-app", "b-app"], first["items"]!.AsArray().Select(a => (string)a!["name"]!));
        var second = await Client.GetJsonAsync($"v2/apps?per_page=2&cursor={Uri.EscapeDataString((string)first["next_cursor"]!)}");
        Assert.Equal(["c-app"], second["items"]!.AsArray().Select(a => (string)a!["name"]!));
        Assert.Null(second["next_cursor"]);
        Assert.Equal("per_page", (await Client.GetJsonAsync("v2/apps?per_page=0", HttpStatusCode.BadRequest)).Field());
    }

    [Fact]
    public async Task BadInputNamesTheFieldAndWritesNothing()
    {
        Assert.Equal("name", (await Client.PostJsonAsync("v2/apps", new { name = "Not Valid" }, HttpStatusCode.BadRequest)).Field());
        Assert.Equal("colour", (await Client.PostJsonAsync("v2/apps", new { name = "x", colour = "blue" }, HttpStatusCode.BadRequest)).Field());
        Assert.Equal("id", (await Client.PostJsonAsync("v2/apps", new { name = "x", id = "01ARZ3NDEKTSV4RRFFQ69G5FAV" }, HttpStatusCode.BadRequest)).Field());
        var app = await Client.PostJsonAsync("v2/apps", new { name = "app" });

        var timeout = await Client.PostJsonAsync("v2/fns", new { name = "f", app_id = app.Id(), cmd = new[] { "cat" }, timeout = -1 }, HttpStatusCode.BadRequest);
        Assert.Equal("timeout", timeout.Field());
        Assert.Contains("timeout", (string)timeout["error"]!["message"]!);
        Assert.Equal("format", (await Client.PostJsonAsync("v2/fns", new { name = "f", app_id = app.Id(), cmd = "cat", format = "xml" }, HttpStatusCode.BadRequest)).Field());
        Assert.Equal("config", (await Client.PostJsonAsync("v2/fns", new { name = "f", app_id = app.Id(), cmd = "cat", config = new { A = new { B = 1 } } }, HttpStatusCode.BadRequest)).Field());
        await Client.PostJsonAsync("v2/fns", new { name = "f", app_id = "01ARZ3NDEKTSV4RRFFQ69G5FAV", cmd = "cat" }, HttpStatusCode.NotFound);
        Assert.False(Directory.Exists(Path.Combine(_functions, "app", "f")));

        using var notJson = await Client.PostAsync("v2/apps", new StringContent("{nope"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        await Client.GetJsonAsync("v2/fns/01ARZ3NDEKTSV4RRFFQ69G5FAV", HttpStatusCode.NotFound);
        await Client.GetJsonAsync("v2/triggers/01ARZ3NDEKTSV4RRFFQ69G5FAV", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AFunctionIsCalledThreeWaysAndSeesItsConfigChangeOnTheNextCall()
    {
        var app = await Client.PostJsonAsync("v2/apps", new { name = "tools", config = Config(("WHO", "app"), ("WHERE", "app")) });
        var fn = await Client.PostJsonAsync("v2/fns", new
        {
            name = "echo", app_id = app.Id(), cmd = new[] { "bash", Path.Combine(RunningAgent.TestFunctions, "env", "env.sh") },
            config = Config(("WHO", "fn")),
        }, HttpStatusCode.OK);
        Assert.Equal("fn", (string)fn["config"]!["WHO"]!);
        Assert.EndsWith($"/invoke/{fn.Id()}", (string)fn["annotations"]!["fnproject.io/fn/invokeEndpoint"]!);

        var trigger = await Client.PostJsonAsync("v2/triggers", new { name = "hook", app_id = app.Id(), fn_id = fn.Id(), type = "http", source = "/hooks/echo" });
        Assert.EndsWith("/t/tools/hooks/echo", (string)trigger["annotations"]!["fnproject.io/trigger/httpEndpoint"]!);

        foreach (var path in new[] { "r/tools/echo", $"invoke/{fn.Id()}", "t/tools/hooks/echo" })
        {
            var seen = await Client.CallAsync(path, "WHO WHERE");
            Assert.Contains("WHO=fn", seen);
            Assert.Contains("WHERE=app", seen);
        }

        await Client.PutJsonAsync($"v2/fns/{fn.Id()}", new { config = Config(("WHO", "changed")) });
        Assert.Contains("WHO=changed", await Client.CallAsync($"invoke/{fn.Id()}", "WHO"));

        Assert.Equal("source", (await Client.PostJsonAsync("v2/triggers", new { name = "again", app_id = app.Id(), fn_id = fn.Id(), source = "/hooks/echo" }, HttpStatusCode.BadRequest)).Field());
        await Client.PutJsonAsync($"v2/triggers/{trigger.Id()}", new { source = "/moved" });
        await Client.CallAsync("t/tools/hooks/echo", "", HttpStatusCode.NotFound);
        Assert.Contains("WHO=changed", await Client.CallAsync("t/tools/moved", "WHO"));
        await Client.RemoveAsync($"v2/triggers/{trigger.Id()}");
        await Client.CallAsync("t/tools/moved", "", HttpStatusCode.NotFound);

        Assert.Equal("name", (await Client.PostJsonAsync("v2/fns", new { name = "echo", app_id = app.Id(), cmd = "cat" }, HttpStatusCode.Conflict)).Field());
        // Fn's invoke endpoint takes POST only; another method is a 405 in the JSON error shape.
        using (var get = await Client.GetAsync($"invoke/{fn.Id()}"))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
            Assert.Contains("\"error\"", await get.Content.ReadAsStringAsync());
        }

        await Client.RemoveAsync($"v2/fns/{fn.Id()}");
        await Client.CallAsync($"invoke/{fn.Id()}", "", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AFunctionWithoutCodeAnswers503UntilItHasOne()
    {
        var app = await Client.PostJsonAsync("v2/apps", new { name = "later" });
        var fn = await Client.PostJsonAsync("v2/fns", new { name = "wait", app_id = app.Id(), image = "fnproject/hello:0.0.1", memory = 256 });
        Assert.False((bool)fn["has_code"]!);
        Assert.Contains("no code yet", await Client.CallAsync($"invoke/{fn.Id()}", "", HttpStatusCode.ServiceUnavailable));

        var listed = await Client.GetJsonAsync($"v2/fns?app_id={app.Id()}&name=wait");
        Assert.Equal(fn.Id(), (string)listed["items"]![0]!["id"]!);
        await Client.PutJsonAsync($"v2/fns/{fn.Id()}", new { cmd = new[] { "cat" } });
        Assert.Equal("ping", await Client.CallAsync("r/later/wait", "ping"));
    }

    [Fact]
    public async Task TheSandboxKeysAreSetAndShownLikeEveryOther()
    {
        var app = await Client.PostJsonAsync("v2/apps", new { name = "boxed" });
        var fn = await Client.PostJsonAsync("v2/fns", new { name = "offline", app_id = app.Id(), cmd = "cat", pids = 32, tmp_size = 8, network = "none" });
        Assert.Equal((32, 8, "none", false), ((int)fn["pids"]!, (int)fn["tmp_size"]!, (string)fn["network"]!, (bool)fn["writable_folder"]!));

        var changed = await Client.PutJsonAsync($"v2/fns/{fn.Id()}", new { writable_folder = true, network = "host" });
        Assert.Equal((32, "host", true), ((int)changed["pids"]!, (string)changed["network"]!, (bool)changed["writable_folder"]!));
        var refused = await Client.PutJsonAsync($"v2/fns/{fn.Id()}", new { network = "bridge" }, HttpStatusCode.BadRequest);
        Assert.Equal("network", (string)refused["error"]!["field"]!);
    }

    [Fact]
    public async Task AWriteNeverTakesAnotherFunctionsRouteOrItsPlace()
    {
        var app = await Client.PostJsonAsync("v2/apps", new { name = "z" });
        await Client.PostJsonAsync("v2/fns", new { name = "second", app_id = app.Id(), cmd = "cat", route = "/shared" });

        // "first" sorts before "second": served first, it would take /shared from it.
        var taken = await Client.PostJsonAsync("v2/fns", new { name = "first", app_id = app.Id(), cmd = "cat", route = "/shared" }, HttpStatusCode.Conflict);
        Assert.Contains("second", (string)taken["error"]!["message"]!);
        Assert.Equal("ping", await Client.CallAsync("r/z/shared", "ping"));
        Assert.False(Directory.Exists(Path.Combine(_functions, "z", "first")));
    }

    [Fact]
    public async Task DeletingAFunctionWhoseFolderIsALinkRemovesTheLinkOnly()
    {
        var elsewhere = Directory.CreateTempSubdirectory("fnagent-linked-").FullName;
        File.SetUnixFileMode(elsewhere, (UnixFileMode)0b111_101_101); // a root agent's functions run as nobody
        try
        {
            File.WriteAllText(Path.Combine(elsewhere, "func.yml"), "name: linked\napp: links\ncmd: cat\n");
            File.WriteAllText(Path.Combine(elsewhere, "keep.txt"), "the source tree");
            Directory.CreateDirectory(Path.Combine(_functions, "links"));
            Directory.CreateSymbolicLink(Path.Combine(_functions, "links", "linked"), elsewhere);
            ((Fnagent.Functions.FunctionDirectory)_agent.Services.GetService(typeof(Fnagent.Functions.FunctionDirectory))!).Reload();

            await Client.RemoveAsync($"v2/fns/{Fnagent.Functions.FunctionIds.Function("links", "linked")}");
            Assert.False(Directory.Exists(Path.Combine(_functions, "links", "linked")));
            Assert.True(File.Exists(Path.Combine(elsewhere, "keep.txt")));
            Assert.True(File.Exists(Path.Combine(elsewhere, "func.yml")));
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }
}
