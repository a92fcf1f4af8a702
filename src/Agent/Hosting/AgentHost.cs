using Fnagent.Builds;
using Fnagent.Direktiv;
using Fnagent.Functions;
using Fnagent.Http;
using Fnagent.Invocation;
using Fnagent.Pool;
using Fnagent.Processes;
using Fnagent.Sonr;
using Fnagent.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;

namespace Fnagent.Hosting;

/// <summary>Builds the agent: Kestrel, the endpoints, and the layers behind them.</summary>
public static class AgentHost
{
    /// <summary>
    /// The agent, its settings bound from <paramref name="configuration"/> (see
    /// <see cref="AgentConfiguration"/>), then changed by <paramref name="configure"/>.
    /// A bad setting throws here or at start; <see cref="SettingsProblem"/> names it.
    /// </summary>
    public static WebApplication Build(IConfiguration configuration, Action<AgentOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = Directory.GetCurrentDirectory(),
        });

        var agentOptions = builder.Services.AddAgentOptions(configuration);
        if (configure is not null)
        {
            agentOptions.PostConfigure(configure);
        }

        builder.Services.AddOptions<KestrelServerOptions>().Configure<AgentOptions>((kestrel, options) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxRequestBodyBytes;
        });

        builder.Services.AddSerilog((services, logger) =>
        {
            var log = services.GetRequiredService<AgentOptions>().Log;
            logger.MinimumLevel.Is(log.Level)
                .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)

                // Hosting starts an Activity and a log scope for every request when its category
                // is enabled at Critical (Fatal here). Nothing reads either, and with them every
                // await of the call carried two async-locals (with the request scope below, a
                // large share of what a hot call allocated: docs/performance.md). Startup
                // failures are still logged, by the host's own category.
                .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LevelAlias.Off)
                .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}");
            if (log.File is { Length: > 0 } file)
            {
                logger.WriteTo.File(file, outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
            }
        }, preserveStaticLogger: true);

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ICallStore>(sp => sp.GetRequiredService<AgentOptions>().CallStore == CallStoreKind.Memory
            ? new FileCallStore(sp.GetRequiredService<AgentOptions>())
            : ActivatorUtilities.CreateInstance<SqliteCallStore>(sp));
        services.AddSingleton(sp => LoadFunctions(sp.GetRequiredService<AgentOptions>(), sp.GetRequiredService<ILogger<FunctionDirectory>>()));
        services.AddSingleton<IFunctionRegistry>(sp => sp.GetRequiredService<FunctionDirectory>());
        services.AddSingleton<Management.FunctionsFolder>();
        services.AddSingleton(sp => new State.Blobs.BlobStore(sp.GetRequiredService<AgentOptions>().DataDirectory, sp.GetRequiredService<AgentOptions>().Limits.MaxBlobBytes));
        services.AddSingleton<Management.CodeDeployer>();
        services.AddSingleton<FunctionBuilds>();
        services.AddSingleton<FormatCodecs>();
        services.AddSingleton<ColdLimiters>();
        services.AddSingleton<ColdRunner>();
        services.AddSingleton<HotPools>();
        services.AddSingleton<HotRunner>();
        services.AddDirektiv();

        // SIGTERM/Ctrl-C: stop accepting, let in-flight calls finish up to the grace
        // period, then stop those left (killed, answered 503: AgentShutdown) while the host
        // still waits a moment for those answers; disposing the host then retires every hot
        // process (end of input, wait, kill).
        services.AddSingleton<AgentShutdown>();
        services.AddOptions<HostOptions>().Configure<AgentOptions>((host, options) => host.ShutdownTimeout = options.Limits.ShutdownGrace + AgentShutdown.AnswerMargin);
        services.AddSingleton<FunctionInvoker>();
        services.AddSingleton<AdminAuth>();
        services.AddAgentOpenApi();

        // Async calls live in the call database: an agent that keeps calls in memory only
        // has no queue, and answers them 503.
        services.AddSingleton(sp => new AsyncCalls(
            sp.GetRequiredService<ICallStore>() is SqliteCallStore sqlite
                ? new AsyncQueue(sqlite, sp.GetRequiredService<AgentOptions>().Limits.MaxQueuedAsyncCalls, sp.GetRequiredService<ILogger<AsyncQueue>>())
                : null,
            sp.GetRequiredService<IFunctionRegistry>(), sp.GetRequiredService<FunctionInvoker>(), sp.GetRequiredService<AgentOptions>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AsyncCalls>>(), sp.GetRequiredService<SonrInputs>()));
        services.AddSingleton<SonrInputs>();
        services.AddSingleton(sp => sp.GetRequiredService<ICallStore>() is SqliteCallStore sqlite
            ? new CallbackSender(new CallbackQueue(sqlite), sp.GetRequiredService<AgentOptions>().Callbacks, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<CallbackSender>>())
            : null!);

        var app = builder.Build();
        var options = app.Services.GetRequiredService<AgentOptions>();
        foreach (var url in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            app.Urls.Add(url);
        }

        // Before every endpoint: a web page must not reach an agent on 127.0.0.1 (DNS
        // rebinding, cross-site POSTs).
        app.Use(new LoopbackHostFilter(options.AllowedHosts).Wrap);

        // Then the admin API's token (every path under /v1/ and /v2/), before the error
        // fallback, so an unknown admin path tells nothing without it. Making the token file,
        // or refusing a network address without AdminToken, happens here, at start.
        app.Use(app.Services.GetRequiredService<AdminAuth>().Wrap);

        // Every answer of the agent's own in the JSON error shape: 404 for unknown paths,
        // a body for routing's empty 405s.
        app.Use(JsonErrorFallback.Wrap);
        var shutdown = app.Services.GetRequiredService<AgentShutdown>();
        app.Lifetime.ApplicationStopping.Register(() => shutdown.Begin(options.Limits.ShutdownGrace));
        app.MapCalls();
        app.MapAdmin();
        app.MapBlobs();
        app.MapSonr();
        app.MapManagement();
        app.MapAgentOpenApi();

        // The call database is opened (created, upgraded) before anything is served: a file
        // that cannot be used stops the start, naming it.
        _ = app.Services.GetRequiredService<ICallStore>();

        // Load the functions at start, so their errors show before the first call, and
        // build what needs building before anyone calls it.
        app.Services.GetRequiredService<FunctionBuilds>().BuildAhead(app.Services.GetRequiredService<IFunctionRegistry>());

        // So is the sandbox's (bubblewrap probed once).
        app.Services.GetRequiredService<ILogger<Sandbox>>().Report(options.Jail, options.User);

        // Direktiv's isolation mode is decided and logged once, at start; min_idle instances start.
        _ = app.Services.GetRequiredService<DirektivInstances>();

        // What a crash left running is settled before anything is served; what was queued
        // runs once the agent serves. A stop lets no new async call start.
        var asyncCalls = app.Services.GetRequiredService<AsyncCalls>();
        asyncCalls.Recover();
        app.Lifetime.ApplicationStarted.Register(asyncCalls.Start);
        app.Lifetime.ApplicationStopping.Register(asyncCalls.Stop);

        // Callbacks an earlier agent left pending are delivered once this one serves.
        if (app.Services.GetService<CallbackSender>() is { } callbacks)
        {
            asyncCalls.CallEnded += callbacks.Wake;
            app.Lifetime.ApplicationStarted.Register(callbacks.Start);
        }
        return app;
    }

    private static FunctionDirectory LoadFunctions(AgentOptions options, ILogger<FunctionDirectory> logger) =>
        new(Path.GetFullPath(options.FunctionsDirectory), logger, TimeSpan.FromMilliseconds(150),
            function => function.HasCode ? options.Jail.Problem ?? options.User?.Problem(function.Directory, function.Command.FirstOrDefault()) : null);
}
