using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;
using Fnagent.Processes;

namespace Fnagent.Agent.Tests.Processes;

/// <summary>
/// A root agent runs its functions as an unprivileged user (<c>RunAs</c>, default nobody).
/// The bug: every function, and whatever a caller made it do, ran as root. These tests
/// need a root test host, as the CI's is.
/// </summary>
public sealed class FunctionUserTests
{
    private const string Nobody = "uid=65534 gid=65534 groups=\n";

    [Fact]
    public async Task FunctionsOfARootAgentRunAsNobodyInADirectoryOfTheirOwn()
    {
        // Unsandboxed, the directory is the agent's private one, given to the user; in the
        // sandbox it is the sandbox's own /tmp (SandboxTests).
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, o => o.Sandbox.Mode = SandboxMode.Off);

        var body = await CallAsync(agent, "r/tests/fds");

        Assert.Contains(Nobody, body, StringComparison.Ordinal);
        Assert.Contains("tmpdir_owner=65534 tmpdir_writable=yes", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsRootKeepsTheAgentsOwnUser()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, o => o.RunAs = "root");

        var body = await CallAsync(agent, "r/tests/fds");

        Assert.Contains("uid=0 gid=0", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FolderInATreeTheUserCannotEnterIsBoundIn()
    {
        // As a clone in /root (mode 0700) would be.
        using var hidden = new HiddenTree();
        var folder = hidden.Function("fds", 0b111_101_101);
        File.Copy(Path.Combine(RunningAgent.TestFunctions, "fds", "fds.py"), Path.Combine(folder, "fds.py"));
        await using var agent = await RunningAgent.StartAsync(hidden.Root);

        var body = await CallAsync(agent, "r/hidden/fds");

        Assert.Contains(Nobody, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FolderTheUserCannotEnterIsALoadProblemNotACallFailure()
    {
        using var hidden = new HiddenTree();
        var folder = hidden.Function("fds", 0b111_000_000);
        await using var agent = await RunningAgent.StartAsync(hidden.Root);

        using var listing = JsonDocument.Parse(await agent.Client.GetStringAsync("v1/functions"));
        using var call = await agent.Client.PostAsync("r/hidden/fds", new StringContent(""));

        Assert.Empty(listing.RootElement.GetProperty("functions").EnumerateArray());
        var message = Assert.Single(listing.RootElement.GetProperty("errors").EnumerateArray()).GetProperty("message").GetString();
        Assert.Contains($"user nobody (65534:65534), who cannot enter the function's folder {folder}", message, StringComparison.Ordinal);
        Assert.Contains("FNAGENT_RunAs=root", message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, call.StatusCode);
    }

    private static async Task<string> CallAsync(RunningAgent agent, string path)
    {
        using var response = await agent.Client.PostAsync(path, new StringContent("")).WaitAsync(TimeSpan.FromSeconds(30));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return body;
    }

    /// <summary>A functions folder inside a folder of mode 0700, as a home directory is.</summary>
    private sealed class HiddenTree : IDisposable
    {
        private readonly string _top = Directory.CreateTempSubdirectory("fnagent-hidden-").FullName;

        public string Root => Path.Combine(_top, "functions");

        /// <summary>A cold python function <paramref name="name"/> of app "hidden", its folder of mode <paramref name="mode"/>.</summary>
        public string Function(string name, int mode)
        {
            var folder = Path.Combine(Root, name);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "func.yml"), $"name: {name}\napp: hidden\ncmd: [python3, fds.py]\n");
            File.SetUnixFileMode(folder, (UnixFileMode)mode);
            return folder;
        }

        public void Dispose() => Directory.Delete(_top, recursive: true);
    }
}
