using System.Net;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Processes;

/// <summary>
/// What the operator's shell gave the agent stays with the agent: a function starts with
/// its three pipes and nothing else (docs/protocols.md §1). The bug: an agent started as
/// <c>fnagent serve 9&gt;&gt;operator.log</c> handed fd 9 to every function, which could
/// write into the operator's file.
/// </summary>
public sealed class InheritedDescriptorTests
{
    [Fact]
    public async Task FunctionsGetOnlyTheirThreePipesWhenTheAgentInheritedMoreDescriptors()
    {
        var operatorLog = Path.Combine(Path.GetTempPath(), "fnagent-operator-" + Guid.NewGuid().ToString("N") + ".log");
        try
        {
            await using var agent = await AgentProcess.StartAsync(RunningAgent.TestFunctions, $"exec 9>>'{operatorLog}' 10<'{operatorLog}'");

            using var response = await agent.Client.PostAsync("r/tests/fds", new StringContent(""));
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var descriptors = body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(line => line.Contains(" -> ", StringComparison.Ordinal))
                .ToList();
            Assert.Equal(["0", "1", "2"], descriptors.Select(line => line.Split(' ')[0]));
            Assert.All(descriptors, line => Assert.Contains("pipe:", line, StringComparison.Ordinal));
            Assert.DoesNotContain(operatorLog, body, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(operatorLog);
        }
    }

    [Fact]
    public async Task DirektivCommandsGetNoDescriptorTheAgentInherited()
    {
        // The command runner starts its commands through Process.Start, which closes nothing:
        // the descriptors the agent inherited are marked close-on-exec instead.
        var operatorLog = Path.Combine(Path.GetTempPath(), "fnagent-operator-" + Guid.NewGuid().ToString("N") + ".log");
        try
        {
            await using var agent = await AgentProcess.StartAsync(RunningAgent.TestFunctions, $"exec 9>>'{operatorLog}'");

            using var response = await agent.Client.PostAsync("r/direktiv/commands", new StringContent(
                """{"commands":[{"command":"readlink /proc/self/fd/9"},{"command":"readlink /proc/self/fd/2"}]}"""));
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("""[{"Error":"exit status 1","Output":""},{"Error":"","Output":"pipe:""", body, StringComparison.Ordinal);
            Assert.DoesNotContain(operatorLog, body, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(operatorLog);
        }
    }
}
