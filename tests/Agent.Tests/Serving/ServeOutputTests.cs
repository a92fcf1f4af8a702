using System.Net;
using System.Text.RegularExpressions;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Serving;

/// <summary>What <c>fnagent serve</c> prints once it listens: the real address, a table of what it serves, the problems of its func.yml files.</summary>
public sealed class ServeOutputTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task ServePrintsTheAddressItBoundTheFunctionsItServesAndTheProblemsItFound()
    {
        var script = Path.Combine(RunningAgent.TestFunctions, "hot", "scripts", "json_fn.py");
        _folder.Write("functions/cat/func.yml", "name: cat\napp: tests\ncmd: cat\n");
        _folder.Write("functions/warm/func.yml", $"name: warm\napp: tests\nformat: json\nmin_idle: 1\ncmd: [python3, \"{script}\", \"0\", warm]\n");
        var broken = _folder.Write("functions/broken/func.yml", "name: broken\napp: tests\nformat: nope\ncmd: cat\n");

        await using var agent = await ServeProcess.StartAsync(_folder.Path, null,
            "serve", "--functions", Path.Combine(_folder.Path, "functions"), "--urls", "http://127.0.0.1:0", "--data", Path.Combine(_folder.Path, "data"));
        var output = await agent.WaitForOutputAsync("problem in func.yml files");

        Assert.True(agent.Address is not null, agent.Errors + output);
        Assert.NotEqual(0, agent.Address.Port);
        using (var client = new HttpClient { BaseAddress = agent.Address, Timeout = TimeSpan.FromSeconds(30) })
        using (var health = await client.GetAsync("health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        Assert.Contains("serving 2 functions from " + Path.Combine(_folder.Path, "functions"), output);
        Assert.Matches(@"\| /r/tests/cat +\| default +\| ready +\|", output);
        Assert.Matches(@"\| /r/tests/warm +\| json +\| warm 1 +\|", output);
        Assert.Contains("1 problem in func.yml files", output);
        Assert.Matches(Regex.Escape(broken) + @":3: 'format': expected one of", output);
    }

    public void Dispose() => _folder.Dispose();
}
