using Fnagent.Functions;

namespace Fnagent.Agent.Tests.Functions;

public sealed class FuncYmlExampleTests
{
    private static string ExamplePath()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "func.yml.example");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("func.yml.example not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void TheExampleAtTheRepositoryRootIsAValidFuncYml()
    {
        var parsed = FunctionFileParser.Parse(ExamplePath(), File.ReadAllText(ExamplePath()));
        Assert.Empty(parsed.Errors);
        Assert.Equal("hello", parsed.Function!.Name);
    }

    [Fact]
    public void TheExampleDocumentsEveryKey()
    {
        var text = File.ReadAllText(ExamplePath());
        Assert.All(FunctionFileParser.Keys, key => Assert.Contains($"\n# {key} (", text, StringComparison.Ordinal));
    }
}
