using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cli;

/// <summary>The real <c>fnagent</c> executable's <c>blob put</c> and <c>blob get</c> against a real agent.</summary>
public sealed class BlobCommandTests
{
    [Fact]
    public async Task PutPrintsTheCidAndGetWritesTheBytesBack()
    {
        await using var agent = await RunningAgent.StartAsync(Path.Combine(RunningAgent.TestFunctions, "env"));
        var folder = Directory.CreateTempSubdirectory("fnagent-blob-cli-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "in.txt"), "hello world");

            var put = await FnagentRun.RunAsync(folder, "blob", "put", "in.txt", "--agent", agent.Address.ToString());
            var get = await FnagentRun.RunAsync(folder, "blob", "get", put.Out.Trim(), "-o", "out.txt", "--agent", agent.Address.ToString());
            var missing = await FnagentRun.RunAsync(folder, "blob", "get", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", "--agent", agent.Address.ToString());

            Assert.Equal((0, "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e\n"), (put.Code, put.Out));
            Assert.Equal(0, get.Code);
            Assert.Equal("hello world", File.ReadAllText(Path.Combine(folder, "out.txt")));
            Assert.Equal(1, missing.Code);
            Assert.Contains("no blob bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", missing.Err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
