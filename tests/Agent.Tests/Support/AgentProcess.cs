using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Fnagent.Hosting;

namespace Fnagent.Agent.Tests.Support;

/// <summary>
/// The real <c>fnagent serve</c> in a process of its own, started by bash so that the test
/// can hand it what an operator's shell would (extra open fds, redirections) through a
/// <c>prelude</c> run before the agent's exec. Bound to 127.0.0.1 on a free port; stopped
/// (SIGTERM, then a kill) on dispose.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDirectory;

    private AgentProcess(Process process, string dataDirectory, Uri address)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>Starts <c>bash -c '&lt;prelude&gt;; exec dotnet fnagent.dll serve ...'</c> and waits (30 s at most) for /health.</summary>
    public static async Task<AgentProcess> StartAsync(string functionsDirectory, string prelude, IDictionary<string, string>? environment = null)
    {
        var port = FreePort();
        var data = Directory.CreateTempSubdirectory("fnagent-test-data-").FullName;
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(prelude + "\nexec dotnet \"$0\" serve --functions \"$1\" --urls \"$2\" --data \"$3\"");
        info.ArgumentList.Add(typeof(AgentHost).Assembly.Location);
        info.ArgumentList.Add(functionsDirectory);
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.ArgumentList.Add(data);
        info.Environment["FNAGENT_Sandbox__ReadOnlyPaths"] = RunningAgent.TestFunctions; // as RunningAgent
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var agent = new AgentProcess(process, data, new Uri($"http://127.0.0.1:{port}/"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var health = await agent.Client.GetAsync("health").WaitAsync(TimeSpan.FromSeconds(5));
                if (health.StatusCode == HttpStatusCode.OK)
                {
                    return agent;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException)
            {
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await agent.DisposeAsync();
                throw new InvalidOperationException("the agent did not answer /health within 30 s");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await ServeProcess.TerminateAsync(_process);
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
