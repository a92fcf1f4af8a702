using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;
using Fnagent.Builds;
using Fnagent.Functions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fnagent.Agent.Tests.Builds;

/// <summary>What becomes of a build when the agent stops. The bug: builds were started and forgotten, and one still running outlived the agent.</summary>
public sealed class BuildShutdownTests
{
    [Fact]
    public async Task DisposingTheBuildsKillsARunningBuildWithWhatItStartedAndWaitsForIt()
    {
        using var folder = new TempFolder();
        var marker = $"{Random.Shared.Next(100, 999)}.2718";
        var function = new FunctionDefinition
        {
            Name = "slow",
            App = "b",
            Route = "/slow",
            Command = ["cat"],
            // The first sleep is an orphan, out of the tree: only the build's process group reaches it.
            Build = ["bash", "-c", $"(sleep {marker} &); sleep {marker}"],
            Directory = folder.Path,
            SourceFile = Path.Combine(folder.Path, "func.yml"),
        };
        var builds = new FunctionBuilds(new AgentOptions { DataDirectory = Path.Combine(folder.Path, "data") }, NullLogger<FunctionBuilds>.Instance);

        using var gaveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var waited = await builds.EnsureBuiltAsync(function, null, gaveUp.Token).WaitAsync(TimeSpan.FromSeconds(10));
        var running = await ProcessTable.EventuallyAsync(() => ProcessTable.Matching($"sleep {marker}").Count >= 2, TimeSpan.FromSeconds(10));

        await builds.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.True(waited?.StillBuilding);
        Assert.True(running);
        Assert.Empty(ProcessTable.Matching($"sleep {marker}"));
    }
}
