using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;
using Fnagent.Functions;
using Fnagent.Pool;

namespace Fnagent.Agent.Tests.Pool;

/// <summary>
/// Disposing the pools (the agent's stop) awaits what they do in the background: no process
/// a warm-up was starting, or a reload was retiring, outlives them.
/// </summary>
public sealed class PoolShutdownTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TempFolder _folder = new();
    private readonly string _marker = "pool-shutdown-" + Guid.NewGuid().ToString("N");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task DisposingThePoolsWhileAWarmUpWaitsForItsProcessToListenLeavesNoProcessOfIt()
    {
        var script = Path.Combine(RunningAgent.TestFunctions, "fdk", "never-listens.js");
        _folder.Write("func.yml", $"name: warming\napp: t\nformat: http-stream\nmin_idle: 1\ncmd: [node, \"{script}\", {_marker}]\n");
        // The warm-up would wait a minute for the socket that never comes.
        var options = new AgentOptions { Limits = { StartTimeout = TimeSpan.FromMinutes(1) }, Sandbox = { ReadOnlyPaths = RunningAgent.TestFunctions } };
        using var functions = new FunctionDirectory(_folder.Path, new RecordingLogger<FunctionDirectory>(), TimeSpan.FromMinutes(1));
        var pools = new HotPools(functions, options, TimeProvider.System, new RecordingLogger<HotPools>());
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching(_marker).Count == 1, Bound), "the warm-up started no process");

        await pools.DisposeAsync().AsTask().WaitAsync(Bound);

        Assert.Empty(ProcessTable.Matching(_marker));
    }

    [Fact]
    public async Task DisposingThePoolsWhileAReloadRetiresAPoolLeavesNoProcessOfIt()
    {
        // A warm process that ignores end of input: its retire takes the whole grace, then a kill.
        Write(minIdle: 1);
        var options = new AgentOptions { Limits = { ShutdownGrace = TimeSpan.FromSeconds(3) } };
        using var functions = new FunctionDirectory(_folder.Path, new RecordingLogger<FunctionDirectory>(), TimeSpan.FromMinutes(1));
        var pools = new HotPools(functions, options, TimeProvider.System, new RecordingLogger<HotPools>());
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching(_marker).Count == 1, Bound), "the warm-up started no process");
        // On a loaded machine the file watcher may have loaded the folder twice meanwhile: every
        // process of the function must be gone at the end, however many were warmed.
        var retiring = ProcessTable.Matching(_marker);

        // A new launch (other config) that keeps nothing warm: the old pool is retired in the background.
        Write(minIdle: 0);
        functions.Reload();
        Assert.True(retiring.Any(ProcessTable.IsAlive), "the retire did not wait for the process");

        await pools.DisposeAsync().AsTask().WaitAsync(Bound);

        Assert.DoesNotContain(retiring, ProcessTable.IsAlive);
    }

    private void Write(int minIdle) => _folder.Write("func.yml", $"""
        name: retiring
        app: t
        format: json
        min_idle: {minIdle}
        config:
          EDITION: "{minIdle}"
        cmd: [python3, -c, "import time\nwhile True: time.sleep(1)", {_marker}]
        """ + "\n");
}
