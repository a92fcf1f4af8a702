using Fnagent.Functions;
using System.Net.Http.Json;
using System.Text.Json;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;
using Fnagent.Api;

namespace Fnagent.Agent.Tests.Serving;

/// <summary>The JSON of <c>/health</c> and <c>/v1</c>, field by field, and the CLI's types reading it back.</summary>
public sealed class ApiShapeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public ApiShapeTests()
    {
        _folder.Write("cat/func.yml", "name: cat\napp: tests\ncmd: cat\n");
        _folder.Write("broken/func.yml", "name: broken\napp: tests\nformat: nope\ncmd: cat\n");
    }

    [Fact]
    public async Task HealthSaysOk()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path);

        Assert.Equal("""{"status":"ok"}""", await agent.Client.GetStringAsync("health"));
    }

    [Fact]
    public async Task TheFunctionListingKeepsItsFieldNames()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path);
        var text = await agent.Client.GetStringAsync("v1/functions");
        using var json = JsonDocument.Parse(text);

        Assert.Equal(["functions", "errors"], Names(json.RootElement));
        Assert.Equal(["app", "name", "route", "path", "format", "file", "id", "notes"], Names(json.RootElement.GetProperty("functions")[0]));
        Assert.Equal(["file", "key", "line", "message"], Names(json.RootElement.GetProperty("errors")[0]));

        var listing = JsonSerializer.Deserialize(text, ApiJsonContext.Default.FunctionListing)!;
        var listed = Assert.Single(listing.Functions);
        Assert.Equal(new ListedFunction("tests", "cat", "/cat", "/r/tests/cat", "default", Path.Combine(_folder.Path, "cat", "func.yml"), FunctionIds.Function("tests", "cat"), []),
            listed with { Notes = [] });
        Assert.Empty(listed.Notes);
        Assert.Equal("format", Assert.Single(listing.Errors).Key);
    }

    [Fact]
    public async Task TheCallRecordKeepsItsFieldNames()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path);
        using var call = await agent.Client.PostAsync("r/tests/cat", new StringContent("hi"));
        var callId = call.Headers.GetValues("Fn-Call-Id").Single();
        var text = await agent.Client.GetStringAsync($"v1/calls/{callId}");
        using var json = JsonDocument.Parse(text);

        Assert.Equal(["call_id", "app", "function", "route", "type", "status", "http_status", "started_at", "ended_at", "duration_ms", "exit_code", "pid", "error", "queue_wait_ms", "cold", "callback"],
            Names(json.RootElement));
        var record = JsonSerializer.Deserialize(text, ApiJsonContext.Default.CallSummary)!;
        Assert.Equal((callId, "tests", "cat", "success", 200, 0), (record.CallId, record.App, record.Function, record.Status, record.HttpStatus, record.ExitCode));
    }

    [Fact]
    public async Task AnUnknownCallIsTheErrorShape()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path);
        using var response = await agent.Client.GetAsync("v1/calls/01NOSUCHCALL");

        Assert.Equal("""{"error":{"message":"no call 01NOSUCHCALL"}}""", await response.Content.ReadAsStringAsync());
        Assert.Equal("no call 01NOSUCHCALL", (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.ErrorAnswer))!.Error.Message);
    }

    public void Dispose() => _folder.Dispose();

    private static string[] Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();
}
