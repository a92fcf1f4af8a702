using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cold;

/// <summary>
/// Each process's private directory (TMPDIR and HOME, PROTOCOLS.md section 1): empty and
/// the agent user's alone at every call, whatever the previous process left in its own.
/// </summary>
public sealed class PrivateDirectoryTests(ColdFixture fixture) : IClassFixture<ColdFixture>
{
    [Fact]
    public async Task EveryCallGetsAnEmptyDirectoryOnlyTheAgentUserCanEnter()
    {
        foreach (var ask in new[] { "litter", "open", "litter", "nothing", "open", "nothing" })
        {
            var seen = await CallAsync("tmpdir", ask);

            Assert.Equal("700", seen["mode"]);
            Assert.Equal("", seen["entries"]);
        }
    }

    [Fact]
    public async Task AnEmptyDirectoryServesLaterProcessesOfTheSameFunctionOnly()
    {
        // A directory goes back once its process is disposed, which may come just after
        // the caller has its answer: reuse shows over a few calls, not necessarily the next.
        var dirs = new List<string>();
        var others = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            dirs.Add((await CallAsync("tmpdir", "nothing"))["dir"]);
            others.Add((await CallAsync("tmpdir-other", "nothing"))["dir"]);
        }

        Assert.True(dirs.Distinct().Count() < dirs.Count, $"no directory was reused: {string.Join(", ", dirs)}");
        Assert.Empty(dirs.Intersect(others));
    }

    [Fact]
    public async Task ALitteredDirectoryIsRemovedNotReused()
    {
        var littered = (await CallAsync("tmpdir", "litter"))["dir"];
        var next = (await CallAsync("tmpdir", "nothing"))["dir"];

        Assert.NotEqual(littered, next);
        Assert.True(await ProcessTable.EventuallyAsync(() => !Directory.Exists(littered), TimeSpan.FromSeconds(10)));
    }

    private async Task<Dictionary<string, string>> CallAsync(string function, string ask)
    {
        using var response = await fixture.Agent.Client.PostAsync($"r/tests/{function}", new StringContent(ask));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsStringAsync())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1]);
    }
}
