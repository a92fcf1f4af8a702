using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.HttpStream;

/// <summary>
/// One agent serving tests/functions, for the http-stream tests. The FDK functions need
/// tests/functions/fdk/node_modules, which tests/functions/install.sh (run by .ci/run)
/// installs with npm ci; the fixture runs it too when it is missing.
/// </summary>
public sealed class FdkFixture : IAsyncLifetime
{
    public RunningAgent Agent { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await NpmFunctions.EnsureInstalledAsync();
        Agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, o => o.Limits.StartTimeout = TimeSpan.FromSeconds(2));
    }

    public async Task DisposeAsync() => await Agent.DisposeAsync();

    public async Task<(HttpResponseMessage Response, string Body)> PostJsonAsync(string path, string json)
    {
        var response = await Agent.Client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        return (response, await response.Content.ReadAsStringAsync());
    }
}
