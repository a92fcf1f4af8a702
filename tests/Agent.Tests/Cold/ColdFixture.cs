using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cold;

/// <summary>One agent serving tests/functions, shared by the cold-format tests.</summary>
public sealed class ColdFixture : IAsyncLifetime
{
    public RunningAgent Agent { get; private set; } = null!;

    public async Task InitializeAsync() => Agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);

    public async Task DisposeAsync() => await Agent.DisposeAsync();
}
