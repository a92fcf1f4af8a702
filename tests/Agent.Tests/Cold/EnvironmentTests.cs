using System.Net;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cold;

/// <summary>The environment a cold function sees, variable by variable (docs/protocols.md §1, §2).</summary>
public sealed class EnvironmentTests(ColdFixture fixture) : IClassFixture<ColdFixture>
{
    private const string AgentSecret = "FNAGENT_TEST_SECRET_VARIABLE";

    [Fact]
    public async Task FunctionSeesExactlyTheProtocolEnvironment()
    {
        Environment.SetEnvironmentVariable(AgentSecret, "do-not-leak");
        using var request = new HttpRequestMessage(HttpMethod.Post, "r/tests/env?q=1&x=two");
        request.Headers.Add("X-Custom-Thing", ["a", "b"]);
        request.Headers.TryAddWithoutValidation("PATH", "/evil");
        request.Headers.TryAddWithoutValidation("LD_PRELOAD", "/evil.so");
        request.Headers.TryAddWithoutValidation("FN_CALL_ID", "spoofed");
        request.Content = new StringContent("ignored");

        using var response = await fixture.Agent.Client.SendAsync(request);
        var env = Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var callId = Assert.Single(response.Headers.GetValues("Fn-Call-Id"));
        Assert.Equal(callId, env["FN_CALL_ID"]);
        Assert.Equal("tests", env["FN_APP_NAME"]);
        Assert.Equal("/env", env["FN_PATH"]);
        Assert.Equal("env", env["FN_NAME"]);
        Assert.Equal("default", env["FN_FORMAT"]);
        Assert.Equal("sync", env["FN_TYPE"]);
        Assert.Equal("128", env["FN_MEMORY"]);
        Assert.False(env.ContainsKey("FN_CPUS"));
        Assert.Equal("POST", env["FN_METHOD"]);
        Assert.Equal(new Uri(fixture.Agent.Address, "r/tests/env?q=1&x=two").ToString(), env["FN_REQUEST_URL"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", env["FN_DEADLINE"]);
        Assert.Equal("a, b", env["FN_HEADER_X_CUSTOM_THING"]);
        Assert.Equal("text/plain; charset=utf-8", env["FN_HEADER_CONTENT_TYPE"]);
        Assert.Equal("hi there", env["GREETING"]);
        Assert.Equal("postgres://x", env["DB_URL"]);

        // Nothing of the agent's environment, and no bare header variables.
        Assert.False(env.ContainsKey(AgentSecret));
        Assert.False(env.ContainsKey("LD_PRELOAD"));
        Assert.False(env.ContainsKey("X_CUSTOM_THING"));
        Assert.Equal("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", env["PATH"]);
        Assert.Equal("/evil", env["FN_HEADER_PATH"]);
        Assert.Equal("/evil.so", env["FN_HEADER_LD_PRELOAD"]);
        Assert.Equal(env["TMPDIR"], env["HOME"]);
        Assert.Equal("C.UTF-8", env["LANG"]);

        var expected = new[] { "PATH", "HOME", "LANG", "TMPDIR", "GREETING", "DB_URL", "PWD", "SHLVL", "_" };
        var unexpected = env.Keys.Where(k => !k.StartsWith("FN_", StringComparison.Ordinal) && !expected.Contains(k));
        Assert.Empty(unexpected);
    }

    [Fact]
    public async Task WorkingDirectoryIsTheFunctionFolder()
    {
        using var response = await fixture.Agent.Client.PostAsync("r/tests/env", null);
        var env = Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(Path.Combine(RunningAgent.TestFunctions, "env"), env["PWD"]);
    }

    [Fact]
    public async Task FunctionLeadsAGroupOfItsOwnInTheAgentsSession()
    {
        // Its own group: one kill reaches all it starts. The agent's session: Linux's
        // autogroup scheduling shares the CPU between sessions, and a session per process
        // left the agent one share against all of them. Read from inside, so without the
        // sandbox: in it, the group and session lie outside its PID namespace (ids 0).
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, o => o.Sandbox.Mode = Fnagent.Processes.SandboxMode.Off);
        using var response = await agent.Client.PostAsync("r/tests/ids", null);
        var ids = (await response.Content.ReadAsStringAsync()).Split(' ', StringSplitOptions.TrimEntries);
        var agentSession = File.ReadAllText("/proc/self/stat").Split(") ")[1].Split(' ')[3];

        Assert.Equal(ids[0], ids[1]);
        Assert.Equal(agentSession, ids[2]);
    }

    [Fact]
    public async Task HeadersNamingTheSameVariableAreJoinedNotOverridden()
    {
        // A proxy that strips and sets X-User must not be overridden by a caller's X_User.
        using var request = new HttpRequestMessage(HttpMethod.Post, "r/tests/env");
        request.Headers.TryAddWithoutValidation("X-User", "alice");
        request.Headers.TryAddWithoutValidation("X_User", "admin");

        using var response = await fixture.Agent.Client.SendAsync(request);
        var env = Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alice, admin", env["FN_HEADER_X_USER"]);
    }

    private static Dictionary<string, string> Parse(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");
}
