using System.Net;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Sandbox;

/// <summary>
/// One agent serving functions that try to get out of their sandbox, in a folder of their
/// own (no shared code: nothing of tests/functions is bound in but the FDK's packages). The
/// secrets they must not reach are world-readable, so that only the sandbox keeps them out:
/// one in the agent's data folder, one in another function's folder.
/// </summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    public const int OpenFiles = 200;

    private static readonly string Scripts = Path.Combine(RunningAgent.TestFunctions, "sandbox");
    private static readonly string FdkModules = Path.Combine(RunningAgent.TestFunctions, "fdk", "node_modules");

    public string Root { get; } = Directory.CreateTempSubdirectory("fnagent-sandbox-").FullName;

    public string Functions => Path.Combine(Root, "functions");

    public string DataSecret => Path.Combine(Root, "data", "secret.txt");

    public string OtherSecret => Path.Combine(Functions, "other", "secret.txt");

    /// <summary>In the command line of every process of the fork bomb.</summary>
    public string BombMarker { get; } = "fnagent-test-bomb-" + Guid.NewGuid().ToString("N");

    public RunningAgent Agent { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(Root, "data"));
        File.WriteAllText(DataSecret, "the agent's secret");
        Function("probe", "cmd: ./attempt.sh\ntmp_size: 4\n", attempt: true);
        Function("probe-rw", "cmd: ./attempt.sh\nwritable_folder: true\n", attempt: true);
        Function("offline", "cmd: ./attempt.sh\nnetwork: none\n", attempt: true);
        // Its program is <functions>/bin/attempt.sh: "installed" in the functions folder.
        Function("bin", "cmd: ./attempt.sh\n", attempt: true);
        Function("other", "cmd: cat\n");
        File.WriteAllText(OtherSecret, "another function's secret");
        Function("echo", "cmd: cat\n");
        Function("bomb", $"cmd: [bash, -c, 'b() {{ b | b & }}; b; sleep 30', {BombMarker}]\npids: 64\ntimeout: 20\n");
        Function("busy", """
            cpus: 0.25
            cmd: [node, -e, "const t = Date.now(); while (Date.now() - t < 2000) {} const u = process.cpuUsage(); console.log((u.user + u.system) / 1e6 / ((Date.now() - t) / 1000))"]
            """ + "\n");
        var config = $"config:\n  AGENT_PID: \"{Environment.ProcessId}\"\n  DATA_SECRET: {DataSecret}\n  OTHER_SECRET: {OtherSecret}\n  NODE_PATH: {FdkModules}\n";
        Function("sees-default", $"cmd: [node, {Path.Combine(Scripts, "sees.js")}, default]\n{config}");
        Function("sees-json", $"format: json\ncmd: [node, {Path.Combine(Scripts, "sees.js")}, json]\n{config}");
        Function("sees-http", $"format: http\ncmd: [node, {Path.Combine(Scripts, "sees.js")}, http]\n{config}");
        Function("sees-fdk", $"format: http-stream\ncmd: [node, {Path.Combine(Scripts, "sees.js")}, fdk]\n{config}");
        Function("sees-direktiv", $"format: direktiv\ncmd: [node, {Path.Combine(Scripts, "sees.js")}, direktiv]\n{config}");
        Function("commands", $"format: direktiv\nruntime: commands\n{config}");
        foreach (var dir in Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories).Prepend(Root))
        {
            File.SetUnixFileMode(dir, Directory.Exists(dir) ? (UnixFileMode)0b111_101_101 : File.GetUnixFileMode(dir) | (UnixFileMode)0b000_100_100);
        }

        // writable_folder binds it writable; the user must be let write it too.
        File.SetUnixFileMode(Path.Combine(Functions, "probe-rw"), (UnixFileMode)0b111_111_111);
        Agent = await RunningAgent.StartAsync(Functions, o =>
        {
            o.DataDirectory = Path.Combine(Root, "data");
            o.Sandbox.ReadOnlyPaths = $"{Scripts}:{FdkModules}";
            o.Limits.OpenFiles = OpenFiles;
        });
    }

    public async Task DisposeAsync()
    {
        await Agent.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }

    /// <summary>Calls <paramref name="function"/> with <paramref name="body"/>: the status and the answer, trimmed.</summary>
    public async Task<(HttpStatusCode Status, string Body)> CallAsync(string function, string body = "")
    {
        using var response = await Agent.Client.PostAsync($"r/sandbox/{function}", new StringContent(body)).WaitAsync(TimeSpan.FromSeconds(30));
        return (response.StatusCode, (await response.Content.ReadAsStringAsync()).Trim());
    }

    private void Function(string name, string yaml, bool attempt = false)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Functions, name)).FullName;
        if (attempt)
        {
            File.Copy(Path.Combine(Scripts, "attempt.sh"), Path.Combine(folder, "attempt.sh"));
        }

        File.WriteAllText(Path.Combine(folder, "func.yml"), $"name: {name}\napp: sandbox\n{yaml}");
    }
}
