using Fnagent.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Events;

namespace Fnagent.Agent.Tests.Support;

/// <summary>
/// A real agent: real Kestrel bound to 127.0.0.1 on a free port, serving a functions
/// folder, with a real HttpClient pointed at it. Every request is bounded by a timeout.
/// </summary>
public sealed class RunningAgent : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDirectory;
    private int _stopped;

    private RunningAgent(WebApplication app, string dataDirectory, Uri address)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The agent's data folder (its call database and logs), a fresh temporary one.</summary>
    public string DataDirectory => _dataDirectory;

    /// <summary>
    /// Starts an agent on 127.0.0.1 (a free port) with a fresh data folder; <paramref name="configure"/>
    /// may change any setting, <c>Urls</c> and <c>AdminToken</c> too. On a wildcard address
    /// (<c>0.0.0.0</c>, <c>[::]</c>) the client goes to 127.0.0.1, the same port.
    /// </summary>
    public static async Task<RunningAgent> StartAsync(string functionsDirectory, Action<AgentOptions>? configure = null)
    {
        var data = Directory.CreateTempSubdirectory("fnagent-test-data-").FullName;
        WebApplication app;
        try
        {
            app = AgentHost.Build(new ConfigurationBuilder().Build(), options =>
            {
                options.FunctionsDirectory = functionsDirectory;
                options.DataDirectory = data;
                options.Urls = "http://127.0.0.1:0";
                options.Log.Level = LogEventLevel.Warning;

                // The test functions share code in tests/functions (../scripts, ../handlers.js):
                // the sandbox lets them read it, as an operator would (docs/operations.md).
                options.Sandbox.ReadOnlyPaths = TestFunctions;
                configure?.Invoke(options);
            });
        }
        catch
        {
            // A start refused (a test of a bad setting) leaves no folder behind.
            Directory.Delete(data, recursive: true);
            throw;
        }

        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = new UriBuilder(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        if (address.Host is "0.0.0.0" or "[::]")
        {
            address.Host = "127.0.0.1";
        }

        return new RunningAgent(app, data, new Uri(address.Uri.ToString().TrimEnd('/') + "/"));
    }

    /// <summary>The repo's <c>tests/functions</c> folder.</summary>
    public static string TestFunctions => Path.Combine(RepoRoot, "tests", "functions");

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Agent.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Agent.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Stops the agent as SIGTERM would (grace for calls in flight, then every process retired); the client stays usable.</summary>
    /// <summary>
    /// The pid of the process that served <paramref name="response"/>, from its call record:
    /// the agent's view. A sandboxed function sees itself as pid 2 of its own PID namespace,
    /// so the pid it reports tells processes apart no more.
    /// </summary>
    public async Task<int> PidOfAsync(HttpResponseMessage response)
    {
        using var record = System.Text.Json.JsonDocument.Parse(await Client.GetStringAsync($"v1/calls/{response.Headers.GetValues("Fn-Call-Id").Single()}"));
        return record.RootElement.GetProperty("pid").GetInt32();
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await _app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Client.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
