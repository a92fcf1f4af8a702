using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Serving;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.State;

/// <summary>
/// Accepted async calls across a crash of the agent (SIGKILL) and a restart: none lost, and
/// none run twice unless its function asked for retries (docs/protocols.md §10).
/// </summary>
public sealed class AsyncCrashTests : IDisposable
{
    private const int Calls = 500;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task EveryAcceptedCallEndsOnceAcrossAKillAndARestart(int retries)
    {
        // Each run appends its call id to the ledger as it starts: the lines count the runs,
        // a run cut off by the kill included. The ledger is in the function's folder, which
        // the sandbox lets it write (writable_folder), and so can the user of a root agent.
        var ledger = _folder.Write("functions/ledger/ledger.txt", "");
        File.SetUnixFileMode(ledger, (UnixFileMode)0b110_110_110);
        File.SetUnixFileMode(Path.GetDirectoryName(ledger)!, (UnixFileMode)0b111_111_111);
        _folder.Write("functions/ledger/func.yml", $"""
            name: ledger
            app: crash
            writable_folder: true
            type: async
            max_concurrency: 8
            async_concurrency: 8
            retries: {retries}
            cmd: [bash, -c, 'echo "$FN_CALL_ID" >> {ledger}; sleep 0.1']
            """);
        string[] args = ["serve", "--functions", Path.Combine(_folder.Path, "functions"), "--urls", "http://127.0.0.1:0", "--data", Path.Combine(_folder.Path, "data")];

        var accepted = new List<string>();
        await using (var first = await ServeProcess.StartAsync(_folder.Path, null, args))
        {
            Assert.True(first.Address is not null, first.Errors);
            using var client = new HttpClient { BaseAddress = first.Address, Timeout = TimeSpan.FromSeconds(30) };
            using var sending = new SemaphoreSlim(16);
            accepted.AddRange(await Task.WhenAll(Enumerable.Range(0, Calls).Select(async i =>
            {
                await sending.WaitAsync();
                try
                {
                    using var response = await client.PostAsync("r/crash/ledger", new StringContent($"call {i}"));
                    return await AsyncCallsTests.CallIdOf(response);
                }
                finally
                {
                    sending.Release();
                }
            })));

            Assert.True(await ProcessTable.EventuallyAsync(() => Lines(ledger).Length >= 20, Bound));
            await first.KillAsync();
        }

        var ranBeforeTheKill = Lines(ledger).Length;
        Assert.True(ranBeforeTheKill < Calls, $"all {ranBeforeTheKill} calls ran before the kill: nothing was cut off");

        await using var second = await ServeProcess.StartAsync(_folder.Path, null, args);
        Assert.True(second.Address is not null, second.Errors);
        using var again = new HttpClient { BaseAddress = second.Address, Timeout = TimeSpan.FromSeconds(30) };
        Assert.True(await ProcessTable.EventuallyAsync(async () => await PendingAsync(again) == 0, Bound), "calls still queued or running");

        using var page = JsonDocument.Parse(await again.GetStringAsync("v1/calls?app=crash&limit=1000"));
        var records = page.RootElement.GetProperty("calls").EnumerateArray()
            .ToDictionary(c => c.GetProperty("call_id").GetString()!, c => (Status: c.GetProperty("status").GetString(), Error: c.GetProperty("error").GetString()));
        var runs = Lines(ledger).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(Calls, accepted.Distinct().Count());
        Assert.All(accepted, id => Assert.True(records.ContainsKey(id), $"accepted call {id} has no record"));
        Assert.All(runs.Keys, id => Assert.True(records.ContainsKey(id), $"a run of {id}, a call never stored"));
        var cutOff = 0;
        foreach (var (id, (status, error)) in records)
        {
            var ran = runs.GetValueOrDefault(id);
            if (retries == 0)
            {
                // At most once: a call cut off is failed, never run again.
                Assert.True(ran <= 1, $"{id} ran {ran} times");
                cutOff += status == "error" ? 1 : 0;
                Assert.True(status == "success" ? ran == 1 : status == "error" && error == "agent stopped during the call", $"{id}: {status} {error}, ran {ran} times");
            }
            else
            {
                // At least once: a call cut off ran again, once more at most.
                Assert.Equal("success", status);
                Assert.InRange(ran, 1, 2);
                cutOff += ran == 2 ? 1 : 0;
            }
        }

        Assert.True(cutOff > 0, "no call was running when the agent was killed");
    }

    private static string[] Lines(string file) => File.ReadAllLines(file).Where(line => line.Length > 0).ToArray();

    private static async Task<int> PendingAsync(HttpClient client)
    {
        var pending = 0;
        foreach (var status in new[] { "queued", "running" })
        {
            using var page = JsonDocument.Parse(await client.GetStringAsync($"v1/calls?app=crash&status={status}&limit=1000"));
            pending += page.RootElement.GetProperty("calls").GetArrayLength();
        }

        return pending;
    }
}
