using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.State;

/// <summary>Call records and logs kept by a real <c>fnagent serve</c>, read back by the next one.</summary>
public sealed class DurableCallsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task RecordsAndLogsAreReadableAfterTheAgentIsStoppedAndStartedAgain()
    {
        _folder.Write("functions/logs/func.yml", "name: logs\napp: tests\ncmd: [bash, -c, 'echo \"to the log\" >&2; cat']\n");
        _folder.Write("functions/fails/func.yml", "name: fails\napp: tests\ncmd: [bash, -c, 'exit 3']\n");
        string[] args = ["serve", "--functions", Path.Combine(_folder.Path, "functions"), "--urls", "http://127.0.0.1:0", "--data", Path.Combine(_folder.Path, "data")];

        var ids = new List<string>();
        await using (var first = await ServeProcess.StartAsync(_folder.Path, null, args))
        {
            Assert.True(first.Address is not null, first.Errors);
            using var client = new HttpClient { BaseAddress = first.Address, Timeout = TimeSpan.FromSeconds(30) };
            for (var i = 0; i < 3; i++)
            {
                using var ok = await client.PostAsync("r/tests/logs", new StringContent($"call {i}"));
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
                ids.Add(ok.Headers.GetValues("Fn-Call-Id").Single());
            }

            using var failed = await client.PostAsync("r/tests/fails", new StringContent(""));
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
            ids.Add(failed.Headers.GetValues("Fn-Call-Id").Single());
        }

        await using var second = await ServeProcess.StartAsync(_folder.Path, null, args);
        Assert.True(second.Address is not null, second.Errors);
        using var again = new HttpClient { BaseAddress = second.Address, Timeout = TimeSpan.FromSeconds(30) };
        using (var record = JsonDocument.Parse(await again.GetStringAsync($"v1/calls/{ids[3]}")))
        {
            Assert.Equal("error", record.RootElement.GetProperty("status").GetString());
            Assert.Equal(502, record.RootElement.GetProperty("http_status").GetInt32());
        }

        Assert.Contains("to the log", await again.GetStringAsync($"v1/calls/{ids[0]}/log"));

        // Newest first, filtered by function, one page at a time.
        using var page = JsonDocument.Parse(await again.GetStringAsync("v1/calls?app=tests&fn=logs&limit=2"));
        Assert.Equal([ids[2], ids[1]], page.RootElement.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("call_id").GetString()));
        var cursor = page.RootElement.GetProperty("next_cursor").GetString();
        using var rest = JsonDocument.Parse(await again.GetStringAsync($"v1/calls?app=tests&fn=logs&limit=2&cursor={cursor}"));
        Assert.Equal([ids[0]], rest.RootElement.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("call_id").GetString()));
        Assert.Equal(JsonValueKind.Null, rest.RootElement.GetProperty("next_cursor").ValueKind);
    }

    [Theory]
    [InlineData("cursor=nope", "cursor")]
    [InlineData("status=weird", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("since=yesterday", "since")]
    public async Task AListingQueryThatDoesNotParseIs400NamingIt(string query, string parameter)
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        using var response = await agent.Client.GetAsync($"v1/calls?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith(parameter + ":", error.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task AFileThatIsNoDatabaseStopsTheStartNamingIt()
    {
        var data = Path.Combine(_folder.Path, "data");
        Directory.CreateDirectory(data);
        var file = Path.Combine(data, "fnagent.db");
        File.WriteAllText(file, "these are somebody's notes, not a database\n");

        await using var agent = await ServeProcess.StartAsync(_folder.Path, null,
            "serve", "--functions", _folder.Path, "--urls", "http://127.0.0.1:0", "--data", data);

        Assert.Null(agent.Address);
        Assert.Equal(1, agent.ExitCode);
        Assert.Contains(file, agent.Errors);
        Assert.Equal("these are somebody's notes, not a database\n", File.ReadAllText(file));
    }

    public void Dispose() => _folder.Dispose();
}
