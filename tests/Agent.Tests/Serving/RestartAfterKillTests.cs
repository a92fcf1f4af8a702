using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;
using Fnagent.Hosting;

namespace Fnagent.Agent.Tests.Serving;

/// <summary>The real <c>fnagent serve</c>, killed with SIGKILL, then started again.</summary>
public sealed class RestartAfterKillTests
{
    [Fact]
    public async Task ANewAgentTakesWhatAKilledOneLeftBeforeItServes()
    {
        using var folder = new TempFolder();
        var marker = "fnagent-test-restart-" + Guid.NewGuid().ToString("N");
        // Hot processes that never read stdin (so the agent's death does not end them), each
        // with a child in its group and one in a session of its own.
        folder.Write("hot/func.yml", $"""
            name: warm
            app: restart
            format: json
            min_idle: 2
            cmd: [bash, -c, '(exec -a {marker}-child sleep 300) & setsid bash -c "exec -a {marker}-detached sleep 300" & exec -a {marker} sleep 300']
            """);
        var data = Directory.CreateTempSubdirectory("fnagent-test-data-").FullName;
        var first = await StartAgentAsync(folder.Path, data);
        Process? second = null;
        try
        {
            Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching(marker).Count == 6, TimeSpan.FromSeconds(20)));
            var pids = ProcessTable.Matching(marker);
            var cgroups = pids.Select(CgroupOf).OfType<string>().Distinct().ToList();
            var directories = pids.Select(TmpDirOf).OfType<string>().Distinct().ToList();
            Assert.Equal(2, directories.Count);

            first.Process.Kill(); // SIGKILL: no shutdown runs
            await first.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));

            second = (await StartAgentAsync(folder.Path, data)).Process;

            // Serving now: everything of the first agent is gone already.
            Assert.All(pids, pid => Assert.False(ProcessTable.IsAlive(pid), $"pid {pid} of the killed agent lives on"));
            Assert.All(cgroups, dir => Assert.False(Directory.Exists(dir), $"cgroup {dir} of the killed agent is left"));
            Assert.All(directories, dir => Assert.False(Directory.Exists(dir), $"folder {dir} of the killed agent is left"));

            // The new agent's own processes were left alone.
            Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching(marker).Count == 6, TimeSpan.FromSeconds(20)));
        }
        finally
        {
            foreach (var agent in new[] { first.Process, second })
            {
                if (agent is { HasExited: false })
                {
                    _ = Libc.Kill(agent.Id, 15);
                    await agent.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                }

                agent?.Dispose();
            }

            foreach (var pid in ProcessTable.Matching(marker))
            {
                _ = Libc.Kill(pid, 9);
            }

            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<(Process Process, Uri Address)> StartAgentAsync(string functions, string data)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        // What a killed agent leaves is an unsandboxed agent's to take: sandboxed functions die
        // with their agent (SandboxTests), and their TMPDIR, read here, is their own /tmp.
        info.Environment["FNAGENT_Sandbox__Mode"] = "Off";
        foreach (var arg in new[] { typeof(AgentHost).Assembly.Location, "serve", "--functions", functions, "--urls", $"http://127.0.0.1:{port}", "--data", data })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var address = new Uri($"http://127.0.0.1:{port}/");
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var serving = await ProcessTable.EventuallyAsync(async () =>
        {
            try
            {
                using var response = await client.GetAsync("health");
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60));
        Assert.True(serving, "the agent did not serve within 60 s");
        return (process, address);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? CgroupOf(int pid)
    {
        try
        {
            var line = File.ReadAllLines($"/proc/{pid}/cgroup").FirstOrDefault(l => l.Contains("/fnagent/", StringComparison.Ordinal));
            return line is null ? null : Path.Combine(Directory.Exists("/sys/fs/cgroup/memory") ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup", line[(line.LastIndexOf(':') + 2)..]);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? TmpDirOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0').FirstOrDefault(v => v.StartsWith("TMPDIR=", StringComparison.Ordinal))?["TMPDIR=".Length..];
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static class Libc
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
        public static extern int Kill(int pid, int signal);
    }
}
