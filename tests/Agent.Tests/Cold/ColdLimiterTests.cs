using Fnagent.Functions;
using Fnagent.Pool;

namespace Fnagent.Agent.Tests.Cold;

public sealed class ColdLimiterTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WaitersAreLetInInTheOrderTheyCame()
    {
        var limiter = new ColdLimiter(Function(1), TimeProvider.System);
        Assert.True(limiter.TryEnter());
        var order = new List<int>();
        var waiters = Enumerable.Range(0, 5).Select(async i =>
        {
            await limiter.EnterAsync(Long, CancellationToken.None);
            lock (order)
            {
                order.Add(i);
            }
        }).ToArray();

        for (var i = 0; i < 5; i++)
        {
            limiter.Exit();
            await Task.WhenAny(waiters[i]).WaitAsync(TimeSpan.FromSeconds(10));
        }

        await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([0, 1, 2, 3, 4], order);
    }

    [Fact]
    public async Task ACallDoesNotOvertakeTheLineWhenAPlaceFreesUp()
    {
        var limiter = new ColdLimiter(Function(1), TimeProvider.System);
        Assert.True(limiter.TryEnter());
        var waiting = limiter.EnterAsync(Long, CancellationToken.None).AsTask();

        limiter.Exit();

        Assert.False(limiter.TryEnter());
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, limiter.Running);
    }

    [Fact]
    public async Task ARaisedLimitLetsWaitersInAtOnce()
    {
        var limiter = new ColdLimiter(Function(1), TimeProvider.System);
        Assert.True(limiter.TryEnter());
        var waiting = new[] { limiter.EnterAsync(Long, CancellationToken.None).AsTask(), limiter.EnterAsync(Long, CancellationToken.None).AsTask() };

        limiter.Function = Function(3);

        await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, limiter.Running);
    }

    [Fact]
    public async Task AWaitPastTheQueueWaitIsNoCapacityAndHoldsNoPlace()
    {
        var limiter = new ColdLimiter(Function(1), TimeProvider.System);
        Assert.True(limiter.TryEnter());

        var e = await Assert.ThrowsAsync<NoCapacityException>(() => limiter.EnterAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None).AsTask());

        Assert.Equal("no capacity: all 1 processes busy for 0.05s", e.Message);
        limiter.Exit();
        Assert.Equal(0, limiter.Running);
        Assert.True(limiter.TryEnter());
    }

    [Fact]
    public async Task ACancelledWaiterLeavesTheLine()
    {
        var limiter = new ColdLimiter(Function(1), TimeProvider.System);
        Assert.True(limiter.TryEnter());
        using var cancel = new CancellationTokenSource();
        var leaving = limiter.EnterAsync(Long, cancel.Token).AsTask();
        var staying = limiter.EnterAsync(Long, CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving).WaitAsync(TimeSpan.FromSeconds(10));
        limiter.Exit();

        await staying.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, limiter.Running);
    }

    private static FunctionDefinition Function(int maxConcurrency) => new()
    {
        Name = "f", App = "a", Route = "/f", Command = ["true"], Directory = "/tmp", SourceFile = "/tmp/func.yml", MaxConcurrency = maxConcurrency,
    };
}
