using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;
using Fnagent.Functions;
using Fnagent.Pool;
using Microsoft.Extensions.Time.Testing;

namespace Fnagent.Agent.Tests.Pool;

/// <summary>
/// A <see cref="HotPool"/> of real processes of a hot json function, on a clock the test
/// moves: queue waits and idle eviction happen when fake time says so, never before.
/// </summary>
public sealed class HotPoolTests
{
    // Far longer than any bound below: a pool that waited in real time could not pass.
    private static readonly TimeSpan QueueWait = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly string _marker = "pool-test-" + Guid.NewGuid().ToString("N");
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task ACallWaitingForABusyProcessGetsNoCapacityOnceTheQueueWaitPassesAndNotBefore()
    {
        await using var pool = Pool(Function() with { MaxConcurrency = 1 });
        var busy = await AcquireAsync(pool).WaitAsync(Bound);

        var waiting = AcquireAsync(pool);
        _time.Advance(QueueWait - TimeSpan.FromMilliseconds(1));
        Assert.False(waiting.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var refused = await Assert.ThrowsAsync<NoCapacityException>(() => waiting.WaitAsync(Bound));
        Assert.Contains("busy for 60s", refused.Message, StringComparison.Ordinal);
        await pool.ReleaseAsync(busy, reusable: true);
    }

    [Fact]
    public async Task AReleasedProcessGoesToTheFirstCallInLine()
    {
        await using var pool = Pool(Function() with { MaxConcurrency = 1 });
        var process = await AcquireAsync(pool).WaitAsync(Bound);
        var first = AcquireAsync(pool);
        var second = AcquireAsync(pool);
        _time.Advance(QueueWait / 2);

        await pool.ReleaseAsync(process, reusable: true);
        Assert.Same(process, await first.WaitAsync(Bound));
        Assert.False(second.IsCompleted);

        await pool.ReleaseAsync(process, reusable: true);
        Assert.Same(process, await second.WaitAsync(Bound));
        await pool.ReleaseAsync(process, reusable: true);
        Assert.Equal(1, pool.LiveCount);
    }

    [Fact]
    public async Task IdleProcessesBeyondMinIdleAreRetiredOnceTheIdleTimeoutPassesAndTheMinIdleOneIsKept()
    {
        var function = Function() with { MaxConcurrency = 3, MinIdle = 1, IdleTimeout = TimeSpan.FromSeconds(10) };
        await using var pool = Pool(function);
        HotProcess[] processes = [.. await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => AcquireAsync(pool))).WaitAsync(Bound)];
        foreach (var process in processes)
        {
            await pool.ReleaseAsync(process, reusable: true);
        }

        // Idle sweeps run meanwhile; none of the processes has been idle long enough.
        _time.Advance(function.IdleTimeout - TimeSpan.FromSeconds(1));
        Assert.Equal((3, 3), (pool.LiveCount, pool.IdleCount));
        Assert.All(processes, p => Assert.False(p.HasExited));

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal((1, 1), (pool.LiveCount, pool.IdleCount));
        // The most recently used is kept; the two below it are retired (end of input: they exit).
        await Task.WhenAll(processes[..2].Select(p => p.Exited)).WaitAsync(Bound);
        Assert.False(processes[2].HasExited);
        Assert.Same(processes[2], await AcquireAsync(pool).WaitAsync(Bound));
        await pool.ReleaseAsync(processes[2], reusable: true);
    }

    [Fact]
    public async Task DisposingThePoolWhileAnIdleProcessIsRetiredLeavesItNotAlive()
    {
        // A process that ignores end of input: its retire takes the whole grace, then a kill.
        var function = Function() with
        {
            Command = ["python3", "-c", "import time\nwhile True: time.sleep(1)", _marker],
            IdleTimeout = TimeSpan.FromSeconds(10),
        };
        var pool = Pool(function);
        var process = await AcquireAsync(pool).WaitAsync(Bound);
        await pool.ReleaseAsync(process, reusable: true);
        _time.Advance(function.IdleTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(0, pool.LiveCount);
        Assert.True(ProcessTable.IsAlive(process.Id), "the retire did not wait for the process");

        await pool.DisposeAsync().AsTask().WaitAsync(Bound);

        Assert.False(ProcessTable.IsAlive(process.Id));
    }

    private HotPool Pool(FunctionDefinition function) =>
        new(function, new AgentOptions { Sandbox = { ReadOnlyPaths = RunningAgent.TestFunctions } }, _time, new RecordingLogger<HotPool>());

    private static Task<HotProcess> AcquireAsync(HotPool pool) => pool.AcquireAsync(QueueWait, null, CancellationToken.None).AsTask();

    private FunctionDefinition Function()
    {
        var directory = Path.Combine(RunningAgent.TestFunctions, "hot", "json-python");
        return new FunctionDefinition
        {
            Name = "pooled",
            App = "pool",
            Route = "/pooled",
            Format = FunctionFormat.Json,
            Command = ["python3", "../scripts/json_fn.py", "0", _marker],
            Directory = directory,
            SourceFile = Path.Combine(directory, "func.yml"),
        };
    }
}
