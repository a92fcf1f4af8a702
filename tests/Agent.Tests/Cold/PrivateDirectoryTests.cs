using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cold;

/// <summary>
/// Each process's private directory (TMPDIR and HOME, docs/protocols.md §1): empty and
/// the agent user's alone at every call, whatever the previous process left in its own.
/// </summary>
public sealed class PrivateDirectoryTests(UnsandboxedColdFixture fixture) : IClassFixture<UnsandboxedColdFixture>
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
        var inCgroup = true;
        for (var i = 0; i < 10; i++)
        {
            var seen = await CallAsync("tmpdir", "nothing");
            dirs.Add(seen["dir"]);
            inCgroup &= seen["cgroup"] != "0";
            others.Add((await CallAsync("tmpdir-other", "nothing"))["dir"]);
        }

        Assert.Empty(dirs.Intersect(others));
        if (inCgroup)
        {
            // Only a memory cgroup tells that nothing of a call lives on: without one, no reuse.
            Assert.True(dirs.Distinct().Count() < dirs.Count, $"no directory was reused: {string.Join(", ", dirs)}");
        }
    }

    [Fact]
    public async Task ADirectoryALeftoverProcessCanStillReachIsNotReused()
    {
        var escaped = (await CallAsync("tmpdir", "escape"))["dir"];

        // For longer than the leftover waits before it writes: no later call sees its file.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(1.5);
        while (DateTime.UtcNow < until)
        {
            var seen = await CallAsync("tmpdir", "nothing");
            Assert.NotEqual(escaped, seen["dir"]);
            Assert.Equal("", seen["entries"]);
        }
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
