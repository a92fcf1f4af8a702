using System.Diagnostics;
using Fnagent.Hosting;

namespace Fnagent.Agent.Tests.Cli;

/// <summary>What one run of the real <c>fnagent</c> executable ended with.</summary>
public sealed record FnagentRun(int Code, string Out, string Err)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Runs <c>fnagent ARGS</c> in <paramref name="workingDirectory"/> with <paramref name="stdin"/>
    /// (null: none, closed at once) and the extra <paramref name="environment"/>; killed when it
    /// has not exited within two minutes (the test then fails on the timeout).
    /// </summary>
    public static async Task<FnagentRun> RunAsync(string workingDirectory, string? stdin, IDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(typeof(AgentHost).Assembly.Location);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Tests say which token they mean; one in the caller's environment must not leak in.
        info.Environment.Remove("FNAGENT_TOKEN");
        info.Environment.Remove("FNAGENT_URL");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(Bound);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new FnagentRun(process.ExitCode, await output, await errors);
    }

    public static Task<FnagentRun> RunAsync(string workingDirectory, params string[] args) => RunAsync(workingDirectory, null, null, args);

    public override string ToString() => $"exit {Code}\nstdout:\n{Out}\nstderr:\n{Err}";
}
