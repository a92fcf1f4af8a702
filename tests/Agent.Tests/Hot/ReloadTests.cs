using System.Net;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;
using Fnagent.Functions;
using Fnagent.Pool;
using Microsoft.Extensions.DependencyInjection;

namespace Fnagent.Agent.Tests.Hot;

/// <summary>A func.yml edited under load: no call fails because its pool was retired.</summary>
public sealed class ReloadTests : IDisposable
{
    private static readonly string Script = Path.Combine(RunningAgent.TestFunctions, "hot", "scripts", "json_fn.py");

    // Open to all, as a function's folder must be for the unprivileged user of a root agent.
    private readonly string _root = Directory.CreateTempSubdirectory("fnagent-reload-").FullName;

    public ReloadTests() => File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task CallsWaitingForARetiringPoolMoveToTheNewPoolAndNoneFails()
    {
        // Two processes for eight callers: most calls wait in the pool's line, where a
        // reload used to refuse them with 503 "being reloaded; retry".
        Write(0);
        await using var agent = await RunningAgent.StartAsync(_root);
        var functions = (FunctionDirectory)agent.Services.GetRequiredService<IFunctionRegistry>();
        using var done = new CancellationTokenSource();

        var callers = Enumerable.Range(0, 8).Select(caller => Task.Run(async () =>
        {
            var results = new List<(HttpStatusCode Status, string Sent, string Body, int? Pid)>();
            for (var i = 0; !done.IsCancellationRequested || i < 20; i++)
            {
                var sent = $"caller {caller} call {i}";
                using var response = await agent.Client.PostAsync("r/t/reloaded", new StringContent(sent));
                results.Add((response.StatusCode, sent, await response.Content.ReadAsStringAsync(),
                    response.IsSuccessStatusCode ? await agent.PidOfAsync(response) : null));
            }

            return results;
        })).ToArray();

        for (var edit = 1; edit <= 40; edit++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(60));
            Write(edit);
            functions.Reload();
        }

        await done.CancelAsync();
        var calls = (await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(120))).SelectMany(r => r).ToList();

        Assert.Empty(calls.Where(c => c.Status != HttpStatusCode.OK).Select(c => $"{(int)c.Status} {c.Body}"));
        Assert.All(calls, c => Assert.Equal(c.Sent, c.Body));
        // The edits did retire pools: many processes served the calls, not the first two.
        Assert.True(calls.Select(c => c.Pid).Distinct().Count() > 2, $"{calls.Select(c => c.Pid).Distinct().Count()} processes");
    }

    [Fact]
    public async Task ARetiredPoolsSuccessorIsThePoolOfTheSameFileUnlessTheFunctionIsGoneOrTheAgentStops()
    {
        Write(0);
        using var functions = new FunctionDirectory(_root, new RecordingLogger<FunctionDirectory>(), TimeSpan.FromMilliseconds(100));
        var pools = new HotPools(functions, new AgentOptions(), TimeProvider.System, new RecordingLogger<HotPools>());
        var old = pools.For(Assert.Single(functions.All));

        // A waiter of the retiring pool is refused; it finds the new pool as the successor.
        Write(1);
        functions.Reload();
        var successor = pools.Successor(old);
        Assert.NotNull(successor);
        Assert.NotSame(old, successor);
        Assert.Same(pools.For(Assert.Single(functions.All)), successor);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await old.AcquireAsync(TimeSpan.FromSeconds(1), null, CancellationToken.None));

        File.Delete(Path.Combine(_root, "func.yml"));
        functions.Reload();
        Assert.Null(pools.Successor(successor));

        Write(2);
        functions.Reload();
        var last = pools.For(Assert.Single(functions.All));
        await pools.DisposeAsync();
        Assert.Null(pools.Successor(last));
    }

    /// <summary>A func.yml whose cmd differs per edit (an argument json_fn.py reads as a negligible sleep).</summary>
    /// <remarks>
    /// Written whole and renamed into place, as editors and deploy tools save: a reload that
    /// read a file half-written would rightly find no function in it (404), which is not
    /// what this test is about.
    /// </remarks>
    private void Write(int edit)
    {
        var temp = Path.Combine(_root, "func.yml.tmp");
        File.WriteAllText(temp, $"name: reloaded\napp: t\nformat: json\nmax_concurrency: 2\ncmd: [python3, {Script}, \"0.0000{edit:D2}\"]\n");
        File.Move(temp, Path.Combine(_root, "func.yml"), overwrite: true);
    }
}
