using Fnagent.Agent.Tests.Support;
using Fnagent.Direktiv;
using Fnagent.Functions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fnagent.Agent.Tests.Functions;

/// <summary>
/// What a bare <c>fnagent serve</c> serves: <c>examples/</c>. The bug: it served Direktiv's
/// command runner, which runs any command a caller sends, on the user's machine.
/// </summary>
public sealed class DefaultExamplesTests
{
    [Fact]
    public void DefaultExamplesHaveNoCommandRunner()
    {
        using var examples = new FunctionDirectory(Path.Combine(RunningAgent.RepoRoot, "examples"), NullLogger<FunctionDirectory>.Instance);

        Assert.NotEmpty(examples.All);
        Assert.DoesNotContain(examples.All, DirektivRunner.IsCommandRunner);
    }

    [Fact]
    public void CommandRunnerExampleLoadsFromItsOwnFolder()
    {
        using var unsafeExamples = new FunctionDirectory(Path.Combine(RunningAgent.RepoRoot, "examples-unsafe"), NullLogger<FunctionDirectory>.Instance);

        Assert.Empty(unsafeExamples.Errors);
        Assert.Contains(unsafeExamples.All, f => DirektivRunner.IsCommandRunner(f) && f.Name == "direktiv-commands");
    }
}
