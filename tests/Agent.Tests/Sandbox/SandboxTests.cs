using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Sandbox;

/// <summary>
/// Escape attempts from inside a function, each one a real process in the sandbox
/// (docs/operations.md, "Sandbox"). The bug they guard against: a function ran with the
/// agent's view of the machine (root, commonly): it read the agent's environment through
/// /proc, every other function's folder and the call logs, and forked without end.
/// These tests need a root test host with bubblewrap, as the CI's is.
/// </summary>
public sealed class SandboxTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task ItCannotReadTheAgentsDataFolderOrAnotherFunctionsFolder()
    {
        // World-readable on the host: only the sandbox keeps them out.
        Assert.Equal((HttpStatusCode.OK, "denied"), await fixture.CallAsync("probe", $"read {fixture.DataSecret}"));
        Assert.Equal((HttpStatusCode.OK, "denied"), await fixture.CallAsync("probe", $"read {fixture.OtherSecret}"));
        Assert.Equal((HttpStatusCode.OK, "allowed"), await fixture.CallAsync("probe", $"read {Path.Combine(fixture.Functions, "probe", "func.yml")}"));
    }

    [Fact]
    public async Task AFunctionNamedBinCannotReadTheOtherFunctionsOfItsFolder()
    {
        // bin/attempt.sh looks like <prefix>/bin/<program>: its prefix, the functions folder, stays out.
        Assert.Equal((HttpStatusCode.OK, "denied"), await fixture.CallAsync("bin", $"read {fixture.OtherSecret}"));
    }

    [Fact]
    public async Task OnLoopbackTheAdminApiIsOpenToItsOperatorButNotToAFunction()
    {
        var port = fixture.Agent.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var operatorCall = await fixture.Agent.Client.GetAsync("v1/functions");

        Assert.Equal(HttpStatusCode.OK, operatorCall.StatusCode);
        Assert.Equal((HttpStatusCode.OK, "HTTP/1.1 401 Unauthorized"), await fixture.CallAsync("probe", $"admin {port}"));
        // From a dual-stack socket its connection is ::ffff:127.0.0.1 in the kernel's IPv6 table.
        Assert.Equal((HttpStatusCode.OK, "HTTP/1.1 401 Unauthorized"), await fixture.CallAsync("probe", $"admin6 {port}"));
    }

    [Fact]
    public async Task ItCannotReadTheAgentsEnvironmentAndSeesOnlyItsOwnProcesses()
    {
        var agentEnvironment = File.ReadAllText($"/proc/{Environment.ProcessId}/environ").Split('\0').OrderByDescending(e => e.Length).First();

        var (_, seen) = await fixture.CallAsync("probe", $"show /proc/{Environment.ProcessId}/environ");
        var (_, processes) = await fixture.CallAsync("probe", "processes");

        Assert.DoesNotContain(agentEnvironment, seen, StringComparison.Ordinal);
        // The sandbox's pid 1, the script, ls and grep: nothing of the host's hundreds.
        Assert.InRange(int.Parse(processes), 1, 6);
        Assert.True(Directory.EnumerateDirectories("/proc").Count(d => int.TryParse(Path.GetFileName(d), out _)) > 20);
    }

    [Fact]
    public async Task ItCannotReadAnotherCallsPrivateTmp()
    {
        // A call that keeps a file in its TMPDIR while another call looks.
        var writer = fixture.CallAsync("probe", "fill 1");
        var (_, listing) = await fixture.CallAsync("probe", "list /tmp");
        await writer;

        // Its /tmp holds no file of the other call: at most the mount points of the folders
        // bound in that lie in the host's /tmp (its own, the shared scripts of a clone there).
        var mountPoints = new[] { fixture.Root, RunningAgent.TestFunctions }
            .Where(p => p.StartsWith("/tmp/", StringComparison.Ordinal)).Select(p => p["/tmp/".Length..].Split('/')[0]);
        Assert.All(listing.Split(' ', StringSplitOptions.RemoveEmptyEntries), entry => Assert.Contains(entry, mountPoints));
    }

    [Theory]
    [InlineData("./x")]
    [InlineData("/x")]
    [InlineData("/etc/x")]
    [InlineData("/usr/x")]
    [InlineData("/dev/x")]
    public async Task ItCannotWriteItsOwnFolderOrOutsideItsTmp(string path)
    {
        Assert.Equal((HttpStatusCode.OK, "denied"), await fixture.CallAsync("probe", $"write {path}"));
        Assert.Equal((HttpStatusCode.OK, "allowed"), await fixture.CallAsync("probe", "write /tmp/x"));
    }

    [Fact]
    public async Task WritableFolderLetsItWriteItsOwnFolderButNotItsFuncYml()
    {
        Assert.Equal((HttpStatusCode.OK, "allowed"), await fixture.CallAsync("probe-rw", "write ./x"));
        Assert.Equal((HttpStatusCode.OK, "denied"), await fixture.CallAsync("probe-rw", "write ./func.yml"));
        Assert.Equal((HttpStatusCode.OK, "denied"), await fixture.CallAsync("probe-rw", $"write {Path.Combine(fixture.Functions, "probe", "x")}"));
    }

    [Fact]
    public async Task AFuncYmlInAWritableFolderIsNotLoaded()
    {
        // As the function could have written it: a function of its own, with a build run as the agent.
        var planted = Path.Combine(fixture.Functions, "probe-rw", "planted", "func.yml");
        Directory.CreateDirectory(Path.GetDirectoryName(planted)!);
        File.WriteAllText(planted, "name: planted\napp: sandbox\ncmd: cat\nbuild: [touch, built]\n");
        try
        {
            Assert.True(await ProcessTable.EventuallyAsync(async () =>
                (await fixture.Agent.Client.GetStringAsync("v1/functions")).Contains("which that function may write", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
            Assert.Equal(HttpStatusCode.NotFound, (await fixture.CallAsync("planted")).Status);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(planted)!, recursive: true);
        }
    }

    [Fact]
    public async Task WritingPastTmpSizeFailsWithNoSpace()
    {
        // tmp_size: 4 (MB).
        Assert.Equal((HttpStatusCode.OK, "No space left on device"), await fixture.CallAsync("probe", "fill 8"));
        Assert.Equal((HttpStatusCode.OK, ""), await fixture.CallAsync("probe", "fill 2"));
    }

    [Fact]
    public async Task ItRunsAsAnUnprivilegedUserWithNoCapabilitiesAndNoNewPrivileges()
    {
        var (status, body) = await fixture.CallAsync("sees-default");

        Assert.Equal(HttpStatusCode.OK, status);
        using var seen = JsonDocument.Parse(body);
        Assert.NotEqual("0", seen.RootElement.GetProperty("uid").GetString());
        Assert.Equal("0000000000000000", seen.RootElement.GetProperty("capEff").GetString());
        Assert.Equal("0000000000000000", seen.RootElement.GetProperty("capPrm").GetString());
        Assert.Equal("0000000000000000", seen.RootElement.GetProperty("capBnd").GetString());
        Assert.Equal("1", seen.RootElement.GetProperty("noNewPrivs").GetString());
    }

    [Fact]
    public async Task NetworkNoneCannotConnectToTheAgent()
    {
        var port = fixture.Agent.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal((HttpStatusCode.OK, "denied"), await fixture.CallAsync("offline", $"connect {port}"));
        Assert.Equal((HttpStatusCode.OK, "allowed"), await fixture.CallAsync("probe", $"connect {port}"));
    }

    [Fact]
    public async Task OpenFilesAreLimitedAndCannotBeRaised()
    {
        Assert.Equal((HttpStatusCode.OK, $"{SandboxFixture.OpenFiles} {SandboxFixture.OpenFiles}"), await fixture.CallAsync("probe", "files"));
        Assert.Equal((HttpStatusCode.OK, "denied"), await fixture.CallAsync("probe", "raise"));
    }

    [Fact]
    public async Task AForkBombIsContainedItsCallGetsA502AndOthersAreServed()
    {
        // The bomb reaches its ceiling and is emptied within a fraction of a second: the other
        // calls run alongside, from its start.
        var bomb = fixture.CallAsync("bomb");
        var echoes = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => fixture.CallAsync("echo", $"still serving {i}")));
        var (status, body) = await bomb;

        Assert.Equal(Enumerable.Range(0, 4).Select(i => (HttpStatusCode.OK, $"still serving {i}")), echoes);
        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("function was killed: process limit (pids 64)", body, StringComparison.Ordinal);
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching(fixture.BombMarker, withSandbox: true).Count == 0, TimeSpan.FromSeconds(5)),
            "the bomb left processes behind");
    }

    [Fact]
    public async Task ABusyLoopWithAQuarterCpuGetsAtMostAboutAQuarterOfOneCpu()
    {
        // Its own CPU time over its wall time: on a busy machine it gets less, never more.
        var (status, share) = await fixture.CallAsync("busy");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.InRange(double.Parse(share, System.Globalization.CultureInfo.InvariantCulture), 0, 0.30);
    }

    [Theory]
    [InlineData("sees-default")]
    [InlineData("sees-json")]
    [InlineData("sees-http")]
    [InlineData("sees-fdk")]
    [InlineData("sees-direktiv")]
    public async Task EveryFormatRunsInTheSandbox(string function)
    {
        var (status, body) = await fixture.CallAsync(function, "{}");

        Assert.True(status == HttpStatusCode.OK, body);
        using var seen = JsonDocument.Parse(body);
        var root = seen.RootElement;
        Assert.Equal("65534", root.GetProperty("uid").GetString());
        Assert.Equal(("0000000000000000", "1"), (root.GetProperty("capEff").GetString(), root.GetProperty("noNewPrivs").GetString()));
        Assert.InRange(root.GetProperty("processes").GetInt32(), 1, 8);
        Assert.Equal(("ENOENT", "ENOENT", "ENOENT"), (root.GetProperty("agentEnviron").GetString(), root.GetProperty("dataSecret").GetString(), root.GetProperty("otherSecret").GetString()));
        Assert.Equal(("EROFS", "allowed"), (root.GetProperty("ownFolder").GetString(), root.GetProperty("tmp").GetString()));
        Assert.NotEqual("allowed", root.GetProperty("root").GetString());
        Assert.NotEqual("allowed", root.GetProperty("usr").GetString());
        Assert.Equal("/tmp", root.GetProperty("tmpdir").GetString());
    }

    [Fact]
    public async Task TheCommandRunnerRunsInTheSandbox()
    {
        var (status, body) = await fixture.CallAsync("commands", $$"""
            {"commands":[{"command":"id -u"},{"command":"grep -E '^(CapEff|NoNewPrivs)' /proc/self/status"},{"command":"cat {{fixture.DataSecret}}"},{"command":"sh -c 'ls /proc | grep -c [0-9]'"}]}
            """);

        Assert.True(status == HttpStatusCode.OK, body);
        using var outputs = JsonDocument.Parse(body);
        // The command runner gives an output that parses as JSON as JSON (a number here).
        var results = outputs.RootElement.EnumerateArray().Select(r => (r.GetProperty("Error").GetString(), r.GetProperty("Output").ToString().Trim())).ToList();
        Assert.Equal(("", "65534"), results[0]);
        Assert.Equal(("", "CapEff:\t0000000000000000\nNoNewPrivs:\t1"), results[1]);
        Assert.NotEqual("", results[2].Item1);
        Assert.InRange(int.Parse(results[3].Item2), 1, 6);
    }
}
