using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;
using Fnagent.Processes;

namespace Fnagent.Agent.Tests.Sandbox;

/// <summary>
/// Sandbox:Mode where bubblewrap is missing (Sandbox:Bwrap pointed at no file), and the
/// sandbox's end with its agent.
/// </summary>
public sealed class SandboxSettingsTests : IDisposable
{
    private const string Missing = "/nonexistent/bwrap";

    private readonly TempFolder _folder = new();

    public SandboxSettingsTests()
    {
        File.Copy(Path.Combine(RunningAgent.TestFunctions, "sandbox", "attempt.sh"), _folder.Write("probe/attempt.sh", ""), overwrite: true);
        _folder.Write("probe/func.yml", "name: probe\napp: sandbox\ncmd: ./attempt.sh\n");
        foreach (var dir in new[] { _folder.Path, Path.Combine(_folder.Path, "probe") })
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        }
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AutoWithoutBubblewrapSaysWhyAtStartAndServesUnsandboxed()
    {
        await using var agent = await ServeProcess.StartAsync(_folder.Path, new Dictionary<string, string> { ["FNAGENT_Sandbox__Bwrap"] = Missing },
            "serve", "--functions", _folder.Path, "--urls", "http://127.0.0.1:0", "--data", Path.Combine(_folder.Path, "data"));
        Assert.True(agent.Address is not null, agent.Errors);
        using var client = new HttpClient { BaseAddress = agent.Address, Timeout = TimeSpan.FromSeconds(30) };

        var processes = await (await client.PostAsync("r/sandbox/probe", new StringContent("processes"))).Content.ReadAsStringAsync();

        Assert.Contains($"functions run WITHOUT a sandbox: bubblewrap not found at '{Missing}'", agent.Output, StringComparison.Ordinal);
        // The host's process table: no PID namespace.
        Assert.True(int.Parse(processes.Trim()) > 20, processes);
    }

    [Fact]
    public async Task RequiredWithoutBubblewrapServesNoFunctionAndEachSaysWhy()
    {
        await using var agent = await RunningAgent.StartAsync(_folder.Path, o =>
        {
            o.Sandbox.Mode = SandboxMode.Required;
            o.Sandbox.Bwrap = Missing;
        });

        using var listing = JsonDocument.Parse(await agent.Client.GetStringAsync("v1/functions"));
        using var call = await agent.Client.PostAsync("r/sandbox/probe", new StringContent("processes"));

        Assert.Empty(listing.RootElement.GetProperty("functions").EnumerateArray());
        var message = Assert.Single(listing.RootElement.GetProperty("errors").EnumerateArray()).GetProperty("message").GetString();
        Assert.Contains($"the sandbox is required (Sandbox:Mode=Required) but cannot run here: bubblewrap not found at '{Missing}'", message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, call.StatusCode);
    }

    [Fact]
    public async Task SandboxedFunctionsDieWithTheirAgent()
    {
        var marker = "fnagent-test-dies-" + Guid.NewGuid().ToString("N");
        _folder.Write("warm/func.yml", $"name: warm\napp: sandbox\nformat: json\nmin_idle: 2\ncmd: [bash, -c, 'sleep 300; true', {marker}]\n");
        File.SetUnixFileMode(Path.Combine(_folder.Path, "warm"), (UnixFileMode)0b111_101_101);
        var agent = await ServeProcess.StartAsync(_folder.Path, null,
            "serve", "--functions", _folder.Path, "--urls", "http://127.0.0.1:0", "--data", Path.Combine(_folder.Path, "data"));
        await using (agent)
        {
            Assert.True(agent.Address is not null, agent.Errors);
            Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching(marker).Count == 2, TimeSpan.FromSeconds(20)));

            // SIGKILL: no shutdown runs, and no agent comes after it to clean up.
            await agent.KillAsync();

            Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching(marker, withSandbox: true).Count == 0, TimeSpan.FromSeconds(5)),
                "the functions outlived their agent");
        }
    }
}
