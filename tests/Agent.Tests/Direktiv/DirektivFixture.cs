using System.Text;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;
using Fnagent.Direktiv;
using Microsoft.Extensions.DependencyInjection;

namespace Fnagent.Agent.Tests.Direktiv;

/// <summary>One agent serving tests/functions/direktiv, isolated as <see cref="Isolation"/> asks.</summary>
public abstract class DirektivFixture : IAsyncLifetime
{
    public RunningAgent Agent { get; private set; } = null!;

    /// <summary>The mode the agent actually chose.</summary>
    public DirektivIsolation Mode => Agent.Services.GetRequiredService<DirektivSandbox>().Isolation;

    protected abstract DirektivIsolation Isolation { get; }

    public static string Functions => Path.Combine(RunningAgent.TestFunctions, "direktiv");

    public async Task InitializeAsync() =>
        Agent = await RunningAgent.StartAsync(Functions, options => options.Direktiv.Isolation = Isolation);

    public async Task DisposeAsync() => await Agent.DisposeAsync();

    public async Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(string path, object input, CancellationToken cancellationToken = default)
    {
        var content = new StringContent(JsonSerializer.Serialize(input), Encoding.UTF8, "application/json");
        var response = await Agent.Client.PostAsync(path, content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<string> LogOfAsync(HttpResponseMessage response) =>
        await Agent.Client.GetStringAsync($"v1/calls/{response.Headers.GetValues("Fn-Call-Id").Single()}/log");
}
