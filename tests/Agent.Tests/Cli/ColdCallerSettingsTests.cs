using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cli;

/// <summary><c>fnagent bench --compare-cold</c> runs the function cold with the settings <c>serve</c> would read, not bare defaults.</summary>
public sealed class ColdCallerSettingsTests
{
    [Fact]
    public async Task TheColdRunHonoursAnFnagentSetting()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);

        // A one-byte response limit: every cold http answer is too large, the hot agent's are not.
        await using var bench = await ServeProcess.StartAsync(RunningAgent.TestFunctions,
            new Dictionary<string, string> { ["FNAGENT_Limits__MaxResponseBytes"] = "1" },
            "bench", "hot/http-python", "-n", "2", "-c", "1", "--compare-cold", "--cold-requests", "2", "--agent", agent.Address.ToString());

        Assert.Equal(1, await bench.WaitForExitAsync());
        Assert.Contains("2 of 2 calls failed in the cold run", bench.Output);
        Assert.DoesNotContain("failed in the hot run", bench.Output);
    }

    [Fact]
    public async Task AnInvalidSettingStopsTheColdRunNamingIt()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);

        await using var bench = await ServeProcess.StartAsync(RunningAgent.TestFunctions,
            new Dictionary<string, string> { ["FNAGENT_Limits__MaxResponseBytes"] = "0" },
            "bench", "hot/json-python", "-n", "1", "--compare-cold", "--agent", agent.Address.ToString());

        Assert.Equal(1, await bench.WaitForExitAsync());
        Assert.Contains("setting Limits:MaxResponseBytes: must be greater than 0 (got 0)", bench.Output);
    }
}
