using System.Net;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.HttpStream;

/// <summary>The func.yml <c>build</c> step: before the first start, again only when its inputs change.</summary>
public sealed class BuildTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("fnagent-build-").FullName;
    private RunningAgent _agent = null!;

    private string Folder => Path.Combine(_root, "built");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        File.WriteAllText(Path.Combine(Folder, "package.json"), """{"name":"built","version":"1.0.0"}""");
        File.WriteAllText(Path.Combine(Folder, "func.yml"), """
            name: built
            app: b
            cmd: [cat, artifact.txt]
            build: [bash, -c, 'echo "building now"; echo run >> runs.txt; cp package.json artifact.txt']
            """);
        Directory.CreateDirectory(Path.Combine(_root, "broken"));
        File.WriteAllText(Path.Combine(_root, "broken", "func.yml"), """
            name: broken
            app: b
            cmd: [cat]
            build: [bash, -c, 'echo "npm ERR! missing everything" >&2; exit 9']
            """);
        _agent = await RunningAgent.StartAsync(_root);
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task TheBuildRunsBeforeTheFirstStartThenOnlyWhenItsInputsChange()
    {
        // Built ahead when the agent loaded it, or by the first call: either way, once.
        using var first = await _agent.Client.PostAsync("r/b/built", null);
        using var second = await _agent.Client.PostAsync("r/b/built", null);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("\"version\":\"1.0.0\"", await first.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Single(File.ReadAllLines(Path.Combine(Folder, "runs.txt")));

        // A changed dependency manifest triggers a new build before the next start.
        File.WriteAllText(Path.Combine(Folder, "package.json"), """{"name":"built","version":"2.0.0"}""");
        File.SetLastWriteTimeUtc(Path.Combine(Folder, "package.json"), DateTime.UtcNow.AddSeconds(5));
        var rebuilt = await ProcessTable.EventuallyAsync(async () =>
        {
            using var response = await _agent.Client.PostAsync("r/b/built", null);
            return (await response.Content.ReadAsStringAsync()).Contains("2.0.0", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10));

        Assert.True(rebuilt);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(Folder, "runs.txt")).Length);
    }

    [Fact]
    public async Task AFailingBuildIs502WithItsOutputInTheCallsLog()
    {
        using var response = await _agent.Client.PostAsync("r/b/broken", null);
        var log = await _agent.Client.GetStringAsync($"v1/calls/{response.Headers.GetValues("Fn-Call-Id").Single()}/log");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("build failed", await response.Content.ReadAsStringAsync());
        Assert.Contains("npm ERR! missing everything", log);
    }
}
