using Fnagent.Agent.Tests.Support;
using Fnagent.Processes;

namespace Fnagent.Agent.Tests.Cold;

/// <summary>
/// An agent serving tests/functions without the sandbox (<c>Sandbox:Mode=Off</c>), for tests
/// that watch a function from the host: its TMPDIR (the private directory the agent gives an
/// unsandboxed function), files it writes in the host's /tmp. In the sandbox neither is the
/// host's: SandboxTests covers that side.
/// </summary>
public sealed class UnsandboxedColdFixture : IAsyncLifetime
{
    public RunningAgent Agent { get; private set; } = null!;

    public async Task InitializeAsync() => Agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, o => o.Sandbox.Mode = SandboxMode.Off);

    public async Task DisposeAsync() => await Agent.DisposeAsync();
}
