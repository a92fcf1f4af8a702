using System.Diagnostics;

namespace Fnagent.Agent.Tests.Support;

/// <summary>Installs the npm packages of the test functions (tests/functions/install.sh) once per test run, when missing.</summary>
public static class NpmFunctions
{
    private static readonly Lazy<Task> Installed = new(InstallAsync);

    public static Task EnsureInstalledAsync() => Installed.Value;

    private static async Task InstallAsync()
    {
        if (Directory.Exists(Path.Combine(RunningAgent.TestFunctions, "fdk", "node_modules", "@fnproject", "fdk"))
            && Directory.Exists(Path.Combine(RunningAgent.TestFunctions, "cid", "node_modules", "multiformats")))
        {
            return;
        }

        using var install = Process.Start(new ProcessStartInfo(Path.Combine(RunningAgent.TestFunctions, "install.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = install.StandardOutput.ReadToEndAsync();
        var errors = install.StandardError.ReadToEndAsync();
        await install.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException($"tests/functions/install.sh failed ({install.ExitCode}): {await output}{await errors}");
        }
    }
}
