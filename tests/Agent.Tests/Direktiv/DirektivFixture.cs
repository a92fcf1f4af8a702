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

    /// <summary>
    /// Where a function writes what it was sent (a DELETE, say): the one folder of the host
    /// the sandbox lets it write (Sandbox:WritablePaths), writable by the functions' user.
    /// </summary>
    public string Records { get; } = Directory.CreateTempSubdirectory("fnagent-direktiv-records-").FullName;

    public async Task InitializeAsync()
    {
        File.SetUnixFileMode(Records, (UnixFileMode)0b111_111_111);
        Agent = await RunningAgent.StartAsync(Functions, options =>
        {
            options.Direktiv.Isolation = Isolation;
            options.Sandbox.WritablePaths = Records;
        });
    }

    public async Task DisposeAsync()
    {
        await Agent.DisposeAsync();
        Directory.Delete(Records, recursive: true);
    }

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
