using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Serving;

/// <summary>A shutdown with calls that would never end by themselves.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task CallsStillHungAfterTheGraceAre503AndNothingOutlivesTheAgent()
    {
        using var folder = new TempFolder();
        var marker = "fnagent-test-hung-" + Guid.NewGuid().ToString("N");
        var jsonFn = Path.Combine(RunningAgent.TestFunctions, "hot", "scripts", "json_fn.py");
        folder.Write("hot/func.yml", $"name: hung-hot\napp: shutdown\nformat: json\ntimeout: 120\nmax_concurrency: 2\ncmd: [python3, {jsonFn}, 0, {marker}]\n");
        folder.Write("cold/func.yml", $"name: hung-cold\napp: shutdown\ntimeout: 120\ncmd: [bash, -c, 'exec -a {marker}-cold sleep 300']\n");
        var agent = await RunningAgent.StartAsync(folder.Path, o => o.Limits.ShutdownGrace = TimeSpan.FromSeconds(1));
        try
        {
            var calls = new[]
            {
                agent.Client.PostAsync("r/shutdown/hung-hot", new StringContent("sleep:300")),
                agent.Client.PostAsync("r/shutdown/hung-hot", new StringContent("sleep:300")),
                agent.Client.PostAsync("r/shutdown/hung-cold", new StringContent("")),
            };
            Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching(marker).Count == 3, TimeSpan.FromSeconds(20)));
            var pids = ProcessTable.Matching(marker);

            var stopping = Stopwatch.StartNew();
            await agent.StopAsync();
            var stopped = stopping.Elapsed;
            var responses = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

            // Before the fix the connections were dropped at the grace: no status at all.
            foreach (var response in responses)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.Contains("shutting down", error.RootElement.GetProperty("error").GetProperty("message").GetString());
            }

            Assert.InRange(stopped, TimeSpan.Zero, TimeSpan.FromSeconds(10));
            Assert.True(await ProcessTable.EventuallyAsync(() => pids.All(pid => !ProcessTable.IsAlive(pid)), TimeSpan.FromSeconds(5)));
        }
        finally
        {
            await agent.DisposeAsync();
        }
    }
}
