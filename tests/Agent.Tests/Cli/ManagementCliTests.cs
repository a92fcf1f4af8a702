using System.Net;
using System.Net.Sockets;
using System.Text;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cli;

/// <summary>
/// The management verbs (init, deploy, invoke, fns, apps, rollback) as processes against a
/// real agent's <c>/v2</c> API, and what they say when the agent refuses or cannot be reached.
/// </summary>
public sealed class ManagementCliTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("fnagent-manage-").FullName;

    [Fact]
    public async Task AFunctionLivesThroughDeployConfigRedeployRollbackAndDelete()
    {
        var functions = Directory.CreateDirectory(Path.Combine(_work, "served")).FullName;
        await using var agent = await RunningAgent.StartAsync(functions);
        var url = agent.Address.ToString();
        Assert.Equal(0, (await Fnagent(null, "init", "--runtime", "bash", "hello")).Code);

        var deployed = await Fnagent(null, "deploy", "hello", "--app", "lifecycle", "--agent", url);
        Assert.True(deployed.Code == 0, deployed.ToString());
        Assert.Contains("Deployed lifecycle/hello version 1", deployed.Out);
        Assert.Contains($"{url}r/lifecycle/hello", deployed.Out);
        Assert.Contains("/invoke/", deployed.Out);
        Assert.Equal("Hello Ann from bash!\n", (await Fnagent("Ann", "invoke", "lifecycle", "hello", "--agent", url)).Out);

        var set = await Fnagent(null, "fns", "config", "set", "lifecycle", "hello", "GREETING", "Howdy", "--agent", url);
        Assert.True(set.Code == 0, set.ToString());
        Assert.Equal("Howdy\n", (await Fnagent(null, "fns", "config", "get", "lifecycle", "hello", "GREETING", "--agent", url)).Out);
        Assert.Equal("Howdy Ann from bash!\n", (await Fnagent("Ann", "invoke", "lifecycle", "hello", "--agent", url)).Out);

        var script = Path.Combine(_work, "hello", "func.sh");
        await File.WriteAllTextAsync(script, (await File.ReadAllTextAsync(script)).Replace("from bash!", "from bash v2!", StringComparison.Ordinal));
        var redeployed = await Fnagent(null, "deploy", "hello", "--app", "lifecycle", "--agent", url);
        Assert.True(redeployed.Code == 0, redeployed.ToString());
        Assert.Contains("version 2", redeployed.Out);
        Assert.Equal("Howdy Ann from bash v2!\n", (await Fnagent("Ann", "invoke", "lifecycle", "hello", "--agent", url)).Out);

        var rollback = await Fnagent(null, "rollback", "lifecycle", "hello", "--agent", url);
        Assert.True(rollback.Code == 0, rollback.ToString());
        Assert.Contains("lifecycle/hello is serving version 1", rollback.Out);
        Assert.Equal("Howdy Ann from bash!\n", (await Fnagent("Ann", "invoke", "lifecycle", "hello", "--agent", url)).Out);

        Assert.Contains("hello", (await Fnagent(null, "fns", "list", "lifecycle", "--agent", url)).Out);
        Assert.Contains("lifecycle", (await Fnagent(null, "apps", "list", "--agent", url)).Out);
        Assert.Matches("^[0-9A-Z]{26}\n$", (await Fnagent("Ann", "invoke", "lifecycle", "hello", "--detached", "--agent", url)).Out);

        Assert.Equal(0, (await Fnagent(null, "fns", "delete", "lifecycle", "hello", "--agent", url)).Code);
        var gone = await Fnagent("Ann", "invoke", "lifecycle", "hello", "--agent", url);
        Assert.Equal(1, gone.Code);
        Assert.Contains("no function hello in app lifecycle", gone.Err);

        Assert.Equal(0, (await Fnagent(null, "apps", "delete", "lifecycle", "--agent", url)).Code);
        var appGone = await Fnagent(null, "fns", "list", "lifecycle", "--agent", url);
        Assert.Equal(1, appGone.Code);
        Assert.Contains("no app lifecycle", appGone.Err);
    }

    [Fact]
    public async Task UnknownNamesAndRefusedRequestsSaySoAndExitOne()
    {
        var functions = Directory.CreateDirectory(Path.Combine(_work, "served")).FullName;
        await using var agent = await RunningAgent.StartAsync(functions);
        var url = agent.Address.ToString();

        var noApp = await Fnagent("x", "invoke", "nosuchapp", "hello", "--agent", url);
        Assert.Equal(1, noApp.Code);
        Assert.Contains("no app nosuchapp", noApp.Err);

        Assert.Equal(0, (await Fnagent(null, "apps", "create", "twice", "--agent", url)).Code);
        var again = await Fnagent(null, "apps", "create", "twice", "--agent", url);
        Assert.Equal(1, again.Code);
        Assert.NotEqual("", again.Err.Trim());

        var noFn = await Fnagent(null, "rollback", "twice", "nosuchfn", "--agent", url);
        Assert.Equal(1, noFn.Code);
        Assert.Contains("no function nosuchfn in app twice", noFn.Err);

        var noKey = await Fnagent(null, "apps", "config", "get", "twice", "NOPE", "--agent", url);
        Assert.Equal(1, noKey.Code);
        Assert.Contains("no config NOPE in app twice", noKey.Err);
    }

    [Fact]
    public async Task DeployOfAFolderWhoseFuncYmlNamesNoAppAsksForApp()
    {
        Assert.Equal(0, (await Fnagent(null, "init", "--runtime", "bash", "hello")).Code);

        var deploy = await Fnagent(null, "deploy", "hello", "--agent", ClosedPortUrl());

        Assert.Equal(1, deploy.Code);
        Assert.Contains("--app is required", deploy.Err);
    }

    [Fact]
    public async Task DeployOfAFolderWithoutADefinitionSaysSo()
    {
        Directory.CreateDirectory(Path.Combine(_work, "empty"));

        var deploy = await Fnagent(null, "deploy", "empty", "--app", "a", "--agent", ClosedPortUrl());

        Assert.Equal(1, deploy.Code);
        Assert.Contains("has no func.yml or func.yaml", deploy.Err);
    }

    [Fact]
    public async Task AVerbThatCannotReachTheAgentExitsTwo()
    {
        var list = await Fnagent(null, "apps", "list", "--agent", ClosedPortUrl());

        Assert.Equal(2, list.Code);
        Assert.Contains("cannot reach the agent", list.Err);
    }

    [Fact]
    public async Task TheTokenFromTheEnvironmentGoesAsBearerAndTheErrorsOwnMessageIsPrinted()
    {
        var answer = """{"message":"outer","error":{"message":"the token is not valid"}}""";
        using var agent = new OneAnswerAgent(401, answer);

        var list = await FnagentRun.RunAsync(_work, null, new Dictionary<string, string> { ["FNAGENT_TOKEN"] = "s3cret" }, "apps", "list", "--agent", agent.Url);

        Assert.Equal(1, list.Code);
        Assert.Equal("the token is not valid\n", list.Err);
        Assert.Contains("\r\nAuthorization: Bearer s3cret\r\n", await agent.RequestAsync());
    }

    [Fact]
    public async Task TheTokenOptionWinsOverTheEnvironmentAndTheTopMessageIsTheFallback()
    {
        using var agent = new OneAnswerAgent(403, """{"message":"only the top message"}""");

        var list = await FnagentRun.RunAsync(_work, null, new Dictionary<string, string> { ["FNAGENT_TOKEN"] = "s3cret" }, "apps", "list", "--token", "other", "--agent", agent.Url);

        Assert.Equal(1, list.Code);
        Assert.Equal("only the top message\n", list.Err);
        Assert.Contains("\r\nAuthorization: Bearer other\r\n", await agent.RequestAsync());
    }

    [Fact]
    public async Task HelpDoesNotPrintTheTokenFromTheEnvironment()
    {
        var help = await FnagentRun.RunAsync(_work, null, new Dictionary<string, string> { ["FNAGENT_TOKEN"] = "s3cret" }, "apps", "list", "--help");

        Assert.Contains("--token", help.Out);
        Assert.DoesNotContain("s3cret", help.Out);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static string ClosedPortUrl()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    private Task<FnagentRun> Fnagent(string? stdin, params string[] args) => FnagentRun.RunAsync(_work, stdin, null, args);

    /// <summary>A socket on 127.0.0.1 that takes one HTTP request, keeps its head, and answers it with a fixed status and JSON body.</summary>
    private sealed class OneAnswerAgent : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task<string> _request;

        public OneAnswerAgent(int status, string json)
        {
            _listener.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
            _request = AnswerOnceAsync(status, json);
        }

        public string Url { get; }

        public Task<string> RequestAsync() => _request.WaitAsync(TimeSpan.FromSeconds(60));

        public void Dispose() => _listener.Stop();

        private async Task<string> AnswerOnceAsync(int status, string json)
        {
            using var client = await _listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var stream = client.GetStream();
            var head = new StringBuilder();
            var buffer = new byte[4096];
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
                if (read == 0)
                {
                    break;
                }

                head.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            var body = Encoding.UTF8.GetBytes(json);
            var answer = $"HTTP/1.1 {status} Refused\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(answer));
            await stream.WriteAsync(body);
            return head.ToString();
        }
    }
}
