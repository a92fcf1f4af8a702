using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Hot;

/// <summary>One agent serving tests/functions for the hot-format tests.</summary>
public sealed class HotFixture : IAsyncLifetime
{
    public RunningAgent Agent { get; private set; } = null!;

    public async Task InitializeAsync() => Agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);

    public async Task DisposeAsync() => await Agent.DisposeAsync();

    public async Task<(HttpResponseMessage Response, string Body)> PostAsync(string path, string body)
    {
        var response = await Agent.Client.PostAsync(path, new StringContent(body));
        return (response, await response.Content.ReadAsStringAsync());
    }
}
