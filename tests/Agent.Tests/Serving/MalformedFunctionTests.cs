using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Serving;

/// <summary>A served folder with broken func.yml files beside a good one, through the real agent.</summary>
public sealed class MalformedFunctionTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("fnagent-malformed-").FullName;
    private RunningAgent _agent = null!;

    public async Task InitializeAsync()
    {
        Write("good", "name: good\napp: t\ncmd: [cat]\n");
        Write("bad-timeout", "name: bad-timeout\napp: t\ncmd: cat\ntimeout: soon\n");
        Write("unknown-key", "name: unknown-key\napp: t\ncmd: cat\nflavour: mint\n");
        Write("bad-yaml", "name: bad-yaml\ncmd: [cat\n  oops: : :\n");
        Write("zz-clash", "name: clash\napp: t\nroute: /good\ncmd: cat\n");
        _agent = await RunningAgent.StartAsync(_root);
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task EachBadFileIsReportedWithFileKeyAndLine()
    {
        using var json = JsonDocument.Parse(await _agent.Client.GetStringAsync("v1/functions"));
        var errors = json.RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => (File: e.GetProperty("file").GetString()!, Key: e.GetProperty("key").GetString(),
                Line: e.GetProperty("line").ValueKind == JsonValueKind.Number ? e.GetProperty("line").GetInt32() : (int?)null,
                Message: e.GetProperty("message").GetString()!))
            .ToList();

        Assert.Contains(errors, e => e.File.EndsWith("bad-timeout/func.yml", StringComparison.Ordinal) && e.Key == "timeout" && e.Line == 4);
        Assert.Contains(errors, e => e.File.EndsWith("unknown-key/func.yml", StringComparison.Ordinal) && e.Key == "flavour" && e.Line == 4);
        Assert.Contains(errors, e => e.File.EndsWith("bad-yaml/func.yml", StringComparison.Ordinal) && e.Message.Contains("YAML", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(errors, e => e.File.EndsWith("zz-clash/func.yml", StringComparison.Ordinal) && e.Message.Contains("good/func.yml", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheGoodFunctionStillServes()
    {
        using var response = await _agent.Client.PostAsync("r/t/good", new StringContent("still here"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("still here", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AFileAddedWhileServingIsPickedUp()
    {
        Write("late", "name: late\napp: t\ncmd: [echo, -n, late]\n");

        var served = await ProcessTable.EventuallyAsync(async () =>
        {
            using var response = await _agent.Client.PostAsync("r/t/late", null);
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(10));

        Assert.True(served);
    }

    private void Write(string folder, string yaml)
    {
        Directory.CreateDirectory(Path.Combine(_root, folder));
        File.WriteAllText(Path.Combine(_root, folder, "func.yml"), yaml);
    }
}
