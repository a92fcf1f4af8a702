using System.Diagnostics;
using Fnagent.Agent.Tests.Support;
using Fnagent.Hosting;

namespace Fnagent.Agent.Tests.Cli;

/// <summary>The real <c>fnagent</c> executable's <c>call</c>, <c>logs</c> and <c>calls</c> verbs against a real agent, with its token when it asks for one.</summary>
public sealed class LogsCommandTests
{
    [Fact]
    public async Task CallThenLogsPrintsTheCallsLog()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);

        var (callCode, callOut, callErr) = await FnagentAsync("hello from stdin", "call", "tests/stderr-lines", "--agent", agent.Address.ToString());
        var callId = callErr.Split(' ', ':')[1];
        var (logsCode, logsOut, _) = await FnagentAsync(null, "logs", callId, "--agent", agent.Address.ToString());

        Assert.Equal(0, callCode);
        Assert.Equal("ok\n", callOut);
        Assert.Equal(0, logsCode);
        Assert.StartsWith("line 1\nline 2\n", logsOut);
    }

    [Fact]
    public async Task LogsOfAnUnknownCallSaysSoAndFails()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);

        var (code, _, errors) = await FnagentAsync(null, "logs", "01NOSUCHCALL", "--agent", agent.Address.ToString());

        Assert.Equal(1, code);
        Assert.Contains("no call 01NOSUCHCALL", errors);
    }

    [Fact]
    public async Task CallsPrintsTheNewestCallsOfAFunctionAsATable()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        var (_, _, first) = await FnagentAsync("", "call", "tests/stderr-lines", "--agent", agent.Address.ToString());
        var (_, _, second) = await FnagentAsync("", "call", "tests/stderr-lines", "--agent", agent.Address.ToString());

        var (code, output, _) = await FnagentAsync(null, "calls", "tests/stderr-lines", "--limit", "1", "--agent", agent.Address.ToString());

        Assert.Equal(0, code);
        Assert.Contains(second.Split(' ', ':')[1], output);
        Assert.DoesNotContain(first.Split(' ', ':')[1], output);
        Assert.Matches(@"\| tests/stderr-lines +\| sync +\| success +\| 200 +\|", output);
    }

    [Fact]
    public async Task CallsWithAStatusThatDoesNotExistSaysSoAndFails()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);

        var (code, _, errors) = await FnagentAsync(null, "calls", "--status", "weird", "--agent", agent.Address.ToString());

        Assert.Equal(1, code);
        Assert.Contains("status: expected one of", errors);
    }

    [Fact]
    public async Task CallsAndLogsSendTheTokenTheAgentAsksFor()
    {
        const string token = "cli-admin-token-0123456789";
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, options => options.AdminToken = token);
        var (_, _, call) = await FnagentAsync("", "call", "tests/stderr-lines", "--agent", agent.Address.ToString());
        var callId = call.Split(' ', ':')[1];

        var (code, output, _) = await FnagentAsync(null, "calls", "--token", token, "--agent", agent.Address.ToString());
        var (logsCode, logs, _) = await FnagentAsync(null, new Dictionary<string, string> { ["FNAGENT_TOKEN"] = token }, "logs", callId, "--agent", agent.Address.ToString());

        Assert.Equal(0, code);
        Assert.Contains(callId, output);
        Assert.Equal(0, logsCode);
        Assert.StartsWith("line 1\n", logs);
    }

    [Theory]
    [InlineData("calls")]
    [InlineData("logs", "01NOSUCHCALL")]
    [InlineData("calls", "--token", "a-wrong-admin-token-0123456789")]
    public async Task WithoutTheTokenTheAgentsMessageIsPrintedAndTheVerbFails(params string[] args)
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, options => options.AdminToken = "cli-admin-token-0123456789");

        var (code, output, errors) = await FnagentAsync(null, [.. args, "--agent", agent.Address.ToString()]);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal("authentication required: send Authorization: Bearer <admin token>\n", errors);
    }

    private static Task<(int Code, string Out, string Err)> FnagentAsync(string? stdin, params string[] args) => FnagentAsync(stdin, null, args);

    private static async Task<(int Code, string Out, string Err)> FnagentAsync(string? stdin, IDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment.Remove("FNAGENT_TOKEN");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        info.ArgumentList.Add(typeof(AgentHost).Assembly.Location);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await errors);
    }
}
