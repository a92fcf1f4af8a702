using System.Diagnostics;
using Fnagent.Agent.Tests.Support;
using Fnagent.Hosting;

namespace Fnagent.Agent.Tests.Cli;

/// <summary>The real <c>fnagent</c> executable's <c>call</c>, <c>logs</c> and <c>calls</c> verbs against a real agent.</summary>
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

    private static async Task<(int Code, string Out, string Err)> FnagentAsync(string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
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
