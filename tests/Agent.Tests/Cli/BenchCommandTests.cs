using System.CommandLine;
using System.Text;
using Fnagent.Agent.Tests.Support;
using Fnagent.Cli;
using Spectre.Console;

namespace Fnagent.Agent.Tests.Cli;

/// <summary><c>fnagent bench</c>: its arguments, and runs against a real agent with real functions (no timing asserts).</summary>
public sealed class BenchCommandTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData("bench hot/json-python")]
    [InlineData("bench hot/json-python -n 10 -c 3 --compare-cold --cold-requests 2 -d hi -X PUT --agent http://127.0.0.1:1")]
    [InlineData("bench hot/json-python --token some-admin-token-0123456789")]
    public void ValidArgumentsParseWithoutErrors(string line)
    {
        Assert.Empty(Parse(line).Errors);
    }

    [Theory]
    [InlineData("bench")]
    [InlineData("bench hot/json-python -n 0")]
    [InlineData("bench hot/json-python -c 0")]
    [InlineData("bench hot/json-python --compare-cold --cold-requests 0")]
    [InlineData("bench hot/json-python -n many")]
    public void InvalidArgumentsAreRejected(string line)
    {
        Assert.NotEmpty(Parse(line).Errors);
    }

    [Fact]
    public async Task BenchOfAHotFunctionComparedColdPrintsBothRunsAndTheRatio()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        // The cold run starts the function itself, with the settings serve would read: the
        // sandbox lets it read the test functions' shared scripts, as RunningAgent does.
        Environment.SetEnvironmentVariable("FNAGENT_Sandbox__ReadOnlyPaths", RunningAgent.TestFunctions);
        var (code, output) = await RunAsync(new BenchSettings("hot/json-python", 20, 2, "{\"name\":\"bench\"}"u8.ToArray(),
            "application/json", "POST", ColdRequests: 3, agent.Address.ToString()));

        Assert.True(code == 0, output);
        Assert.Matches(@"\| hot +\| +20 \| +0 \|", output);
        Assert.Matches(@"\| cold +\| +3 \| +0 \|", output);
        Assert.Contains("hot/cold:", output);
    }

    [Fact]
    public async Task ColdComparisonOfADefaultFunctionRunsItsCommand()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        var (code, output) = await RunAsync(new BenchSettings("tests/cat", 5, 1, "hi"u8.ToArray(), "text/plain", "POST", ColdRequests: 2, agent.Address.ToString()));

        Assert.True(code == 0, output);
        Assert.Matches(@"\| cold +\| +2 \| +0 \|", output);
    }

    [Fact]
    public async Task FailingCallsAreCountedAndTheExitCodeSaysSo()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        var (code, output) = await RunAsync(new BenchSettings("tests/exit3", 4, 2, "hi"u8.ToArray(), "text/plain", "POST", 0, agent.Address.ToString()));

        Assert.Equal(1, code);
        Assert.Matches(@"\| hot +\| +4 \| +4 \|", output);
        Assert.Contains("4 of 4 calls failed", output);
    }

    [Fact]
    public async Task AFunctionTheAgentDoesNotServeIsReported()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        var (code, output) = await RunAsync(new BenchSettings("nope/nothing", 5, 1, [], "text/plain", "POST", 0, agent.Address.ToString()));

        Assert.Equal(1, code);
        Assert.Contains("serves no function at /r/nope/nothing", output);
    }

    [Fact]
    public async Task AnAgentThatAsksForTheTokenIsBenchedWithItAndRefusesWithoutIt()
    {
        const string token = "bench-admin-token-0123456789";
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, options => options.AdminToken = token);

        var (refusedCode, refused) = await RunAsync(new BenchSettings("tests/cat", 3, 1, "hi"u8.ToArray(), "text/plain", "POST", 0, agent.Address.ToString()));
        var (code, output) = await RunAsync(new BenchSettings("tests/cat", 3, 1, "hi"u8.ToArray(), "text/plain", "POST", 0, agent.Address.ToString(), token));

        Assert.Equal(1, refusedCode);
        Assert.Contains("authentication required: send Authorization: Bearer <admin token>", refused);
        Assert.True(code == 0, output);
        Assert.Matches(@"\| hot +\| +3 \| +0 \|", output);
    }

    [Fact]
    public async Task AnAgentThatIsNotThereIsReported()
    {
        var (code, output) = await RunAsync(new BenchSettings("hot/json-python", 5, 1, [], "text/plain", "POST", 0, "http://127.0.0.1:1"));

        Assert.Equal(2, code);
        Assert.Contains("cannot reach the agent", output);
    }

    private static ParseResult Parse(string line)
    {
        var root = new RootCommand { BenchCommand.Create() };
        return root.Parse(line);
    }

    private static async Task<(int Code, string Output)> RunAsync(BenchSettings settings)
    {
        var writer = new StringWriter(new StringBuilder());
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 200;
        var code = await BenchCommand.RunAsync(settings, console, CancellationToken.None).WaitAsync(Bound);
        return (code, writer.ToString());
    }
}
