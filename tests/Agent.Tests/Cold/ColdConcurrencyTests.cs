using System.Globalization;
using System.Net;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;
using Fnagent.Functions;
using Fnagent.Pool;
using Microsoft.Extensions.DependencyInjection;

namespace Fnagent.Agent.Tests.Cold;

/// <summary>
/// <c>max_concurrency</c> holds for the <c>default</c> format: calls past it wait in line
/// and get the same 503 as hot calls when the queue wait runs out. Each call answers with
/// the nanosecond clock when its process started and ended, so overlaps can be counted.
/// </summary>
public sealed class ColdConcurrencyTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task TenParallelCallsToAFunctionLimitedToOneRunOneAtATime()
    {
        WriteFunction(maxConcurrency: 1);
        await using var agent = await RunningAgent.StartAsync(_folder.Path);

        var spans = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => CallAsync(agent, "0.1")));

        Assert.Equal(1, PeakOverlap(spans));
    }

    [Fact]
    public async Task ManyParallelCallsRunAtMostMaxConcurrencyAtOnceAndAllSucceed()
    {
        WriteFunction(maxConcurrency: 3);
        await using var agent = await RunningAgent.StartAsync(_folder.Path);

        var spans = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => CallAsync(agent, "0.3")));

        Assert.InRange(PeakOverlap(spans), 2, 3);
    }

    [Fact]
    public async Task CallsPastTheQueueWaitGet503WithRetryAfterAsHotCallsDo()
    {
        WriteFunction(maxConcurrency: 1);
        await using var agent = await RunningAgent.StartAsync(_folder.Path, o => o.Limits.QueueWait = TimeSpan.FromMilliseconds(200));
        var first = CallAsync(agent, "3");
        await RunningAsync(agent, 1);

        var refused = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            using var response = await agent.Client.PostAsync("r/t/slot", new StringContent("0")).WaitAsync(TimeSpan.FromSeconds(30));
            return (response.StatusCode, response.Headers.RetryAfter?.Delta, Message: await ErrorAsync(response));
        }));

        Assert.All(refused, r => Assert.Equal(
            (HttpStatusCode.ServiceUnavailable, (TimeSpan?)TimeSpan.FromSeconds(1), "no capacity: all 1 processes busy for 0.2s"), r));
        await first;
    }

    [Fact]
    public async Task RaisingMaxConcurrencyInTheFuncYmlLetsAWaitingCallIn()
    {
        WriteFunction(maxConcurrency: 1);
        await using var agent = await RunningAgent.StartAsync(_folder.Path);
        var first = CallAsync(agent, "4");
        await RunningAsync(agent, 1);
        var second = CallAsync(agent, "0");
        await Task.Delay(300);

        WriteFunction(maxConcurrency: 2);

        var (a, b) = (await first, await second);
        Assert.True(b.Start < a.End, "the waiting call only ran once the first was done: the new limit did not apply");
    }

    private void WriteFunction(int maxConcurrency) => _folder.Write("slot/func.yml", $"""
        name: slot
        app: t
        max_concurrency: {maxConcurrency}
        cmd: [bash, -c, 'read -r s; start=$(date +%s%N); sleep "$s"; echo "$start $(date +%s%N)"']
        """);

    private static async Task<(long Start, long End)> CallAsync(RunningAgent agent, string seconds)
    {
        using var response = await agent.Client.PostAsync("r/t/slot", new StringContent(seconds)).WaitAsync(TimeSpan.FromSeconds(60));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        var parts = body.Trim().Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Waits until <paramref name="count"/> calls hold a place (the first is in, the rest can only wait).</summary>
    private static async Task RunningAsync(RunningAgent agent, int count)
    {
        Assert.True(agent.Services.GetRequiredService<IFunctionRegistry>().TryFind("t", "/slot", out var function));
        var limiter = agent.Services.GetRequiredService<ColdLimiters>().For(function);
        Assert.True(await ProcessTable.EventuallyAsync(() => limiter.Running == count, TimeSpan.FromSeconds(15)), "the first call never started");
    }

    private static int PeakOverlap(IEnumerable<(long Start, long End)> spans) =>
        spans.SelectMany(s => new[] { (At: s.Start, Delta: 1), (At: s.End, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta)
            .Aggregate((Now: 0, Peak: 0), (acc, e) => (acc.Now + e.Delta, Math.Max(acc.Peak, acc.Now + e.Delta))).Peak;

    private static async Task<string> ErrorAsync(HttpResponseMessage response) =>
        TruncatedBodyTests.ErrorMessage(await response.Content.ReadAsStringAsync());
}
