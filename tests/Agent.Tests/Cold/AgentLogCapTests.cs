using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Fnagent.Agent.Tests.Support;
using Fnagent.Hosting;

namespace Fnagent.Agent.Tests.Cold;

/// <summary>The agent's own log (the serve command's console), fed by a function flooding stderr.</summary>
public sealed class AgentLogCapTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fnagent-logcap-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task AStderrFloodAddsAtMostTheCallLogCapToTheAgentsLog()
    {
        // 10 MB of stderr in 100-byte lines, ten times the 1 MiB per-call cap. The agent's
        // log used to take all of it (and more: each line with its prefix).
        Directory.CreateDirectory(Path.Combine(_root, "flood"));
        File.WriteAllText(Path.Combine(_root, "flood", "func.yml"),
            "name: flood\napp: t\ncmd: [bash, -c, 'head -c 10000000 /dev/zero | tr \"\\0\" x | fold -w 99 >&2; echo done']\n");
        var port = FreePort();
        using var agent = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(AgentHost).Assembly.Location, "serve", "--functions", _root, "--urls", $"http://127.0.0.1:{port}", "--data", Path.Combine(_root, "data") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            var logged = CountAsync(agent.StandardOutput);
            var errors = CountAsync(agent.StandardError);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(60) };
            Assert.True(await ProcessTable.EventuallyAsync(async () =>
            {
                try
                {
                    using var health = await client.GetAsync("health");
                    return health.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(30)), "the agent never answered /health");
            var before = logged.Count;

            using var response = await client.PostAsync("r/t/flood", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var callId = response.Headers.GetValues("Fn-Call-Id").Single();
            var log = await client.GetStringAsync($"v1/calls/{callId}/log");
            Assert.EndsWith("----- log truncated at 1048576 bytes -----\n", log);

            agent.Kill();
            await agent.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            await Task.WhenAll(logged.Done, errors.Done).WaitAsync(TimeSpan.FromSeconds(10));
            var added = logged.Count - before;
            // The cap, each copied line's prefix (the app, function, call id and pid: about as
            // long again as a 100-byte line), and the line saying the rest was not copied.
            Assert.InRange(added, 1_000_000, 2_600_000);
            Assert.Contains("the rest is not copied here", logged.Tail, StringComparison.Ordinal);
        }
        finally
        {
            if (!agent.HasExited)
            {
                agent.Kill(entireProcessTree: true);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Counted CountAsync(StreamReader output)
    {
        var counted = new Counted();
        counted.Done = Task.Run(async () =>
        {
            var buffer = new char[64 * 1024];
            int read;
            while ((read = await output.ReadAsync(buffer)) > 0)
            {
                Interlocked.Add(ref counted.Total, read);
                counted.Tail = (counted.Tail + new string(buffer, 0, read))[^Math.Min(4096, counted.Tail.Length + read)..];
            }
        });
        return counted;
    }

    private sealed class Counted
    {
        public long Total;

        public string Tail = "";

        public Task Done = Task.CompletedTask;

        public long Count => Interlocked.Read(ref Total);
    }
}
