using System.Diagnostics;
using System.Text;
using Fnagent.Agent.Tests.Support;
using Fnagent.Cli;

namespace Fnagent.Agent.Tests.Cli;

/// <summary><c>fnagent init</c> as a process: every runtime's folder is served by a real agent as it is written.</summary>
public sealed class InitCommandTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("fnagent-init-").FullName;

    [Theory]
    [InlineData("bash", "Hello Ann from bash!\n")]
    [InlineData("python", "{\"message\": \"Hello Ann from python!\"}")]
    [InlineData("node", "Hello Ann from node!\n")]
    public async Task InitMakesAFolderTheAgentServesAtOnce(string runtime, string answer)
    {
        var init = await FnagentRun.RunAsync(_parent, "init", "--runtime", runtime, "Hello Func");
        Assert.True(init.Code == 0, init.ToString());
        Assert.Contains("fnagent deploy 'Hello Func' --app myapp", init.Out);

        await using var agent = await RunningAgent.StartAsync(_parent);
        using var response = await agent.Client.PostAsync("r/default/hello-func", new StringContent("Ann", Encoding.UTF8, "text/plain"));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task InitFdkNodeMakesAnFnFolderTheAgentBuildsAndServes()
    {
        // An Fn folder's app is the folder around it (docs/management.md).
        Directory.CreateDirectory(Path.Combine(_parent, "fnapp"));
        var init = await FnagentRun.RunAsync(_parent, "init", "--runtime", "fdk-node", Path.Combine("fnapp", "hello-fdk"));
        Assert.True(init.Code == 0, init.ToString());
        var folder = Path.Combine(_parent, "fnapp", "hello-fdk");
        Assert.True(File.Exists(Path.Combine(folder, "func.yaml")));

        // The build's npm install finds every package already there: no network in tests.
        await NpmFunctions.EnsureInstalledAsync();
        await CopyAsync(Path.Combine(RunningAgent.TestFunctions, "fdk", "node_modules"), folder);

        await using var agent = await RunningAgent.StartAsync(_parent);
        foreach (var path in new[] { "r/fnapp/hello-fdk", "t/fnapp/hello-fdk" })
        {
            using var response = await agent.Client.PostAsync(path, new StringContent("{\"name\":\"Ann\"}", Encoding.UTF8, "application/json"));
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Contains("\"message\":\"Hello Ann\"", await response.Content.ReadAsStringAsync());
        }
    }

    [Theory]
    [InlineData("func.yml")]
    [InlineData("func.yaml")]
    public async Task InitRefusesAFolderThatIsAFunctionAlready(string definition)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_parent, "taken")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, definition), "name: taken\n");

        var init = await FnagentRun.RunAsync(_parent, "init", "--runtime", "bash", "taken");

        Assert.Equal(1, init.Code);
        Assert.Contains($"{definition} already exists", init.Err);
        Assert.False(File.Exists(Path.Combine(folder, "func.sh")));
    }

    [Fact]
    public async Task InitInTheCurrentFolderNamesTheFunctionAfterIt()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_parent, "My_Tool.v2")).FullName;

        var init = await FnagentRun.RunAsync(folder, "init", "--runtime", "node");

        Assert.True(init.Code == 0, init.ToString());
        Assert.Contains("name: my_tool-v2\n", await File.ReadAllTextAsync(Path.Combine(folder, "func.yml")));
    }

    [Theory]
    [InlineData("/tmp/Hello World", "hello-world")]
    [InlineData("/tmp/__x.y/", "x-y")]
    [InlineData("/tmp/a1", "a1")]
    public void TheFunctionNameIsTheFolderNameLowerCasedAndSanitised(string folder, string name) =>
        Assert.Equal(name, InitCommand.NameOf(folder));

    [Fact]
    public void AFolderNameWithNoLetterOrDigitIsRefused() =>
        Assert.Contains("cannot make a function name", Assert.Throws<CommandFailure>(() => InitCommand.NameOf("/tmp/-_-")).Message);

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    private static async Task CopyAsync(string from, string into)
    {
        // cp -a keeps node_modules/.bin's symlinks as links.
        using var copy = Process.Start("cp", ["-a", from, into]);
        await copy.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, copy.ExitCode);
    }
}
