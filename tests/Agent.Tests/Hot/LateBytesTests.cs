using System.Collections.Concurrent;
using System.Net;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Hot;

/// <summary>A function that writes after its answer (from another thread, 5-50 ms later) and the innocent calls beside it.</summary>
public sealed class LateBytesTests
{
    [Theory]
    [InlineData("late")]
    [InlineData("late-json")]
    public async Task AnInnocentCallNeverPaysForAnotherCallsLateBytes(string guilty)
    {
        // A hold-back well past the function's 50 ms, so a loaded test machine does not
        // make its late bytes later than that.
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, o => o.Limits.QuietAfterAnswer = TimeSpan.FromMilliseconds(300));
        // The function shows what it does once, alone: its late bytes are found between
        // calls, which discards that process and has the pool hold back every process
        // after each answer until it proved quiet.
        var (first, _) = await PostAsync(agent, "r/hot/json-late", guilty);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var (next, nextBody) = await PostAsync(agent, "r/hot/json-late", "innocent first");
        Assert.Equal((HttpStatusCode.OK, "innocent first"), (next.StatusCode, nextBody));

        // Then 60 guilty and 60 innocent calls, shuffled, 4 at a time: without the
        // hold-back, the pool's processes are reused while late bytes are on their way.
        var random = new Random(7);
        var work = new ConcurrentQueue<string>(Enumerable.Range(0, 120).Select(i => i % 2 == 0 ? guilty : $"innocent {i}").OrderBy(_ => random.Next()));
        var results = new ConcurrentBag<(string Sent, HttpStatusCode Status, string Body)>();
        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (work.TryDequeue(out var sent))
            {
                using var response = await agent.Client.PostAsync("r/hot/json-late", new StringContent(sent));
                results.Add((sent, response.StatusCode, await response.Content.ReadAsStringAsync()));
            }
        })).ToArray();
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(240));

        var innocent = results.Where(r => r.Sent.StartsWith("innocent", StringComparison.Ordinal)).ToList();
        Assert.Equal(60, innocent.Count);
        Assert.Empty(innocent.Where(r => r.Status != HttpStatusCode.OK || r.Body != r.Sent).Select(r => $"{r.Sent}: {(int)r.Status} {r.Body}"));
        // The guilty calls themselves stand: their answer came before their late bytes.
        Assert.All(results.Where(r => r.Sent == guilty), r => Assert.Equal((HttpStatusCode.OK, "on time"), (r.Status, r.Body)));
    }

    private static async Task<(HttpResponseMessage Response, string Body)> PostAsync(RunningAgent agent, string path, string body)
    {
        var response = await agent.Client.PostAsync(path, new StringContent(body));
        return (response, await response.Content.ReadAsStringAsync());
    }
}
