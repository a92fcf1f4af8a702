using Fnagent.Agent.Tests.Sonr;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cli;

/// <summary>The real <c>fnagent function add|list|remove</c> against a real agent (docs/protocols.md §9).</summary>
public sealed class FunctionCommandTests
{
    [Fact]
    public async Task AddListCallAndRemoveAFunction()
    {
        var functions = SonrSetup.FunctionsFolder();
        var folder = Directory.CreateTempSubdirectory("fnagent-function-cli-").FullName;
        try
        {
            await using var agent = await RunningAgent.StartAsync(functions);
            var url = agent.Address.ToString();
            File.WriteAllText(Path.Combine(folder, "in.txt"), "three little words");

            var add = await FnagentRun.RunAsync(folder, "function", "add", "report", SonrSetup.Report, "--did", "did:sonr:alice", "--param", "lang", "--param", "mode",
                "--agent", url);
            var put = await FnagentRun.RunAsync(folder, "blob", "put", "in.txt", "--agent", url);
            var list = await FnagentRun.RunAsync(folder, "function", "list", "--agent", url);
            var output = await agent.Client.GetStringAsync($"v1/functions/report/did:sonr:alice/{put.Out.Trim()}?lang=en");
            var badDid = await FnagentRun.RunAsync(folder, "function", "add", "other", SonrSetup.Report, "--did", "alice", "--agent", url);
            var remove = await FnagentRun.RunAsync(folder, "function", "remove", "report", "--agent", url);
            var removeAgain = await FnagentRun.RunAsync(folder, "function", "remove", "report", "--agent", url);

            Assert.True(add.Code == 0, add.ToString());
            Assert.StartsWith("added report: binary bafkrei", add.Out, StringComparison.Ordinal);
            Assert.Contains("| report | did:sonr:alice |", list.Out, StringComparison.Ordinal);
            Assert.Contains("lang,mode", list.Out, StringComparison.Ordinal);
            Assert.Contains("content=three little words\nlang=en\n", output, StringComparison.Ordinal);
            Assert.Equal(1, badDid.Code);
            Assert.Contains("expected a DID like did:sonr:alice", badDid.Err, StringComparison.Ordinal);
            Assert.Equal((0, "removed report\n"), (remove.Code, remove.Out));
            Assert.Equal(1, removeAgain.Code);
            Assert.Contains("no Sonr function \"report\"", removeAgain.Err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            Directory.Delete(functions, recursive: true);
        }
    }
}
