using System.Net;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cli;

/// <summary>
/// Where <c>fnagent serve</c> reads its settings (an appsettings.json in the current folder,
/// <c>FNAGENT_</c> variables, its flags, in rising precedence) and how a bad one stops the
/// start: the real executable, as a process, serving a real function.
/// </summary>
public sealed class SettingsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public SettingsTests() => _folder.Write("functions/cat/func.yml", "name: cat\napp: tests\ncmd: cat\n");

    [Fact]
    public async Task AnAppSettingsJsonInTheCurrentFolderIsHonoured()
    {
        _folder.Write("appsettings.json", """{ "Limits": { "MaxRequestBodyBytes": 10 } }""");
        await using var agent = await ServeAsync(null);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await PostHundredBytesAsync(agent));
    }

    [Fact]
    public async Task AnEnvironmentVariableIsHonoured()
    {
        await using var agent = await ServeAsync(new() { ["FNAGENT_Limits__MaxRequestBodyBytes"] = "10" });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await PostHundredBytesAsync(agent));
    }

    [Fact]
    public async Task AnEnvironmentVariableBeatsTheAppSettingsJson()
    {
        _folder.Write("appsettings.json", """{ "Limits": { "MaxRequestBodyBytes": 10 } }""");
        await using var agent = await ServeAsync(new() { ["FNAGENT_Limits__MaxRequestBodyBytes"] = "1000" });

        Assert.Equal(HttpStatusCode.OK, await PostHundredBytesAsync(agent));
    }

    [Fact]
    public async Task AFlagBeatsTheEnvironment()
    {
        await using var agent = await ServeAsync(new() { ["FNAGENT_AllowedHosts"] = "from-env.test" }, "--allowed-hosts", "from-flag.test");
        using var client = new HttpClient { BaseAddress = agent.Address, Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal(HttpStatusCode.OK, await HealthWithHostAsync(client, "from-flag.test"));
        Assert.Equal(HttpStatusCode.MisdirectedRequest, await HealthWithHostAsync(client, "from-env.test"));
    }

    [Theory]
    [InlineData("FNAGENT_Limits__MaxRequestBodyBytes", "-5", "setting Limits:MaxRequestBodyBytes: must be greater than 0 (got -5)")]
    [InlineData("FNAGENT_Limits__MaxLogBytesPerCall", "lots", "setting Limits:MaxLogBytesPerCall: not a valid Int64 (got 'lots')")]
    [InlineData("FNAGENT_Limits__ShutdownGrace", "-00:00:01", "setting Limits:ShutdownGrace: must not be negative (got -00:00:01)")]
    [InlineData("FNAGENT_Limits__StartTimeout", "00:00:00", "setting Limits:StartTimeout: must be greater than 0 (got 00:00:00)")]
    [InlineData("FNAGENT_AllowedHosts", "http://example.com", "setting AllowedHosts: 'http://example.com' is not a host name")]
    [InlineData("FNAGENT_Log__Level", "Chatty", "setting Log:Level: not a valid LogEventLevel (got 'Chatty')")]
    [InlineData("FNAGENT_Direktiv__LogPort", "70000", "setting Direktiv:LogPort: must be a port from 1 to 65535 (got 70000)")]
    public async Task AnInvalidSettingStopsTheStartNamingIt(string variable, string value, string message)
    {
        await using var agent = await ServeAsync(new() { [variable] = value });

        Assert.Null(agent.Address);
        Assert.Equal(1, await agent.WaitForExitAsync());
        Assert.Contains(message, agent.Errors);
        Assert.DoesNotContain("   at ", agent.Errors + agent.Output);
    }

    [Fact]
    public async Task AnAppSettingsJsonThatIsNotJsonStopsTheStartNamingTheFile()
    {
        _folder.Write("appsettings.json", """{ "Limits": { """);
        await using var agent = await ServeAsync(null);

        Assert.Equal(1, await agent.WaitForExitAsync());
        Assert.Contains(Path.Combine(_folder.Path, "appsettings.json"), agent.Errors);
        Assert.DoesNotContain("   at ", agent.Errors + agent.Output);
    }

    [Fact]
    public async Task TheLogFileGetsTheAgentsOwnLog()
    {
        var logFile = Path.Combine(_folder.Path, "logs", "agent.log");
        await using (var agent = await ServeAsync(null, "--log-file", logFile))
        {
            Assert.NotNull(agent.Address);
        }

        var log = await File.ReadAllTextAsync(logFile);
        Assert.Contains("Loaded 1 functions from " + Path.Combine(_folder.Path, "functions"), log);
    }

    public void Dispose() => _folder.Dispose();

    private Task<ServeProcess> ServeAsync(Dictionary<string, string>? environment, params string[] flags) =>
        ServeProcess.StartAsync(_folder.Path, environment,
            ["serve", "--functions", Path.Combine(_folder.Path, "functions"), "--urls", "http://127.0.0.1:0", "--data", Path.Combine(_folder.Path, "data"), .. flags]);

    private static async Task<HttpStatusCode> PostHundredBytesAsync(ServeProcess agent)
    {
        Assert.True(agent.Address is not null, agent.Errors);
        using var client = new HttpClient { BaseAddress = agent.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await client.PostAsync("r/tests/cat", new ByteArrayContent(new byte[100]));
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> HealthWithHostAsync(HttpClient client, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "health");
        request.Headers.Host = host;
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
