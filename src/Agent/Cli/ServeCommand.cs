using System.CommandLine;
using Fnagent.Hosting;
using Fnagent.Invocation;
using Fnagent.Processes;
using Microsoft.Extensions.Configuration;
using Serilog.Events;

namespace Fnagent.Cli;

/// <summary><c>fnagent serve [--functions DIR] [--urls URL] [--data DIR] [--allowed-hosts HOSTS] [--log-level LEVEL]</c>.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var functions = new Option<string?>("--functions") { Description = "Folder of func.yml files (default: examples/)" };
        var urls = new Option<string>("--urls") { Description = "Where to listen", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var data = new Option<string?>("--data") { Description = "Folder for call logs (default: data/)" };
        var allowedHosts = new Option<string?>("--allowed-hosts")
        {
            Description = "Host names, comma-separated, accepted besides localhost/127.0.0.1/[::1] when listening on a loopback address (* for any)",
        };
        var logLevel = new Option<LogEventLevel>("--log-level")
        {
            Description = "Agent log level; Debug adds one line per call",
            DefaultValueFactory = _ => LogEventLevel.Information,
        };
        var command = new Command("serve", "Serve every function under the functions folder at /r/<app>/<route>")
        {
            functions, urls, data, allowedHosts, logLevel,
        };

        command.SetAction(async (result, cancellationToken) =>
        {
            var options = LoadOptions();
            options.FunctionsDirectory = result.GetValue(functions) ?? DefaultFunctionsDirectory();
            options.DataDirectory = result.GetValue(data) ?? options.DataDirectory;
            options.AllowedHosts = result.GetValue(allowedHosts) ?? options.AllowedHosts;
            var app = AgentHost.Build(options, result.GetValue(urls)!, result.GetValue(logLevel));
            ControllingTerminal.Release();

            // Before serving: what an agent that is gone (SIGKILL) left running, and its
            // cgroups and private directories; never a living agent's.
            await DeadAgentLeftovers.CleanAsync(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Fnagent.Leftovers"));

            // Past the grace and the margin for the last answers, whatever still runs (a hot
            // process slow to retire) is killed: the agent exits within grace + a few seconds.
            using var lastResort = new CancellationTokenSource();
            using var stopping = app.Lifetime.ApplicationStopping.Register(() => lastResort.CancelAfter(options.Limits.ShutdownGrace + 2 * AgentShutdown.AnswerMargin));
            using var killing = lastResort.Token.Register(() => _ = FunctionProcess.KillAllAsync());
            await app.RunAsync(cancellationToken);
            await FunctionProcess.KillAllAsync();
            return 0;
        });
        return command;
    }

    /// <summary>Defaults, then <c>FNAGENT_</c> environment variables (e.g. <c>FNAGENT_Limits__MaxLogBytesPerCall</c>).</summary>
    private static AgentOptions LoadOptions()
    {
        var options = new AgentOptions();
        new ConfigurationBuilder().AddEnvironmentVariables("FNAGENT_").Build().Bind(options);
        return options;
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
