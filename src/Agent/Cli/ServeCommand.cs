using System.CommandLine;
using Fnagent.Hosting;
using Fnagent.Invocation;
using Fnagent.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Serilog.Events;

namespace Fnagent.Cli;

/// <summary>
/// <c>fnagent serve [--functions DIR] [--urls URL] [--data DIR] [--allowed-hosts HOSTS] [--log-level LEVEL] [--log-file PATH]</c>.
/// Each flag given is one more settings source, above appsettings.json and the environment
/// (<see cref="AgentConfiguration"/>); a bad setting stops the start with its name (exit code 1).
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var functions = new Option<string?>("--functions") { Description = "Folder of func.yml files (default: examples/)" };
        var urls = new Option<string?>("--urls") { Description = "Where to listen, ';'-separated (default: http://127.0.0.1:8080)" };
        var data = new Option<string?>("--data") { Description = "Folder for call logs (default: data/)" };
        var allowedHosts = new Option<string?>("--allowed-hosts")
        {
            Description = "Host names, comma-separated, accepted besides localhost/127.0.0.1/[::1] when listening on a loopback address (* for any)",
        };
        var logLevel = new Option<LogEventLevel?>("--log-level") { Description = "Agent log level (default: Information); Debug adds one line per call" };
        var logFile = new Option<string?>("--log-file") { Description = "Also append the agent's own log to this file" };
        var command = new Command("serve", "Serve every function under the functions folder at /r/<app>/<route>")
        {
            functions, urls, data, allowedHosts, logLevel, logFile,
        };

        command.SetAction((result, cancellationToken) =>
        {
            var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            void Flag(string setting, string? value)
            {
                if (value is not null)
                {
                    flags[setting] = value;
                }
            }

            Flag(nameof(AgentOptions.FunctionsDirectory), result.GetValue(functions));
            Flag(nameof(AgentOptions.Urls), result.GetValue(urls));
            Flag(nameof(AgentOptions.DataDirectory), result.GetValue(data));
            Flag(nameof(AgentOptions.AllowedHosts), result.GetValue(allowedHosts));
            Flag("Log:Level", result.GetValue(logLevel)?.ToString());
            Flag("Log:File", result.GetValue(logFile));
            return ServeAsync(flags, cancellationToken);
        });
        return command;
    }

    private static async Task<int> ServeAsync(Dictionary<string, string?> flags, CancellationToken cancellationToken)
    {
        IConfigurationRoot? configuration = null;
        WebApplication? app = null;
        try
        {
            configuration = AgentConfiguration.Build(
                [new(nameof(AgentOptions.FunctionsDirectory), DefaultFunctionsDirectory())], flags);
            app = AgentHost.Build(configuration);
            var options = app.Services.GetRequiredService<AgentOptions>();
            ControllingTerminal.Release();

            // Before serving: what an agent that is gone (SIGKILL) left running, and its
            // cgroups and private directories; never a living agent's.
            await DeadAgentLeftovers.CleanAsync(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Fnagent.Leftovers"));

            // Past the grace and the margin for the last answers, whatever still runs (a hot
            // process slow to retire) is killed: the agent exits within grace + a few seconds.
            using var lastResort = new CancellationTokenSource();
            using var stopping = app.Lifetime.ApplicationStopping.Register(() => lastResort.CancelAfter(options.Limits.ShutdownGrace + 2 * AgentShutdown.AnswerMargin));
            using var killing = lastResort.Token.Register(() => _ = FunctionProcess.KillAllAsync());
            await app.StartAsync(cancellationToken);
            ServeSummary.Print(app);
            await app.WaitForShutdownAsync(cancellationToken);
            await app.DisposeAsync();
            app = null;
            await FunctionProcess.KillAllAsync();
            return 0;
        }
        catch (Exception e) when (SettingsProblem.Describe(e, configuration) is { } problem)
        {
            foreach (var line in problem.Split(Environment.NewLine))
            {
                await Console.Error.WriteLineAsync("fnagent: " + line);
            }

            return 1;
        }
        finally
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// <c>examples/</c> of the current folder, else the one of the checkout this binary was
    /// built from, so <c>serve</c> works out of the box from anywhere in the repo.
    /// </summary>
    private static string DefaultFunctionsDirectory()
    {
        if (Directory.Exists("examples"))
        {
            return "examples";
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "examples");
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "func.yml.example")))
            {
                return candidate;
            }
        }

        return "examples";
    }
}
