using Fnagent.Builds;
using Fnagent.Direktiv;
using Fnagent.Functions;
using Fnagent.Http;
using Fnagent.Invocation;
using Fnagent.Pool;
using Fnagent.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace Fnagent.Hosting;

/// <summary>Builds the agent: Kestrel, the endpoints, and the layers behind them.</summary>
public static class AgentHost
{
    public static WebApplication Build(AgentOptions options, string urls, LogEventLevel logLevel = LogEventLevel.Information)
    {
        // Resolved before anything starts: an unknown user fails the start, not a call.
        _ = options.User;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = Directory.GetCurrentDirectory(),
        });

        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxRequestBodyBytes;
        });

        var logger = new LoggerConfiguration()
            .MinimumLevel.Is(logLevel)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(logger, dispose: true);

        // Hosting starts an Activity and a log scope for every request when its category is
        // enabled at Critical, which Serilog's provider otherwise makes it. Nothing reads
        // either, and with them every await of the call carried two async-locals (with the
        // request scope below, a sixth of what a hot call allocated). Startup
        // failures are still logged, by the host's own category.
        builder.Logging.AddFilter<SerilogLoggerProvider>("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ICallStore, FileCallStore>();
        services.AddSingleton<IFunctionRegistry>(sp =>
            new FunctionDirectory(Path.GetFullPath(options.FunctionsDirectory), sp.GetRequiredService<ILogger<FunctionDirectory>>(), TimeSpan.FromMilliseconds(150),
                function => options.User?.Problem(function.Directory, function.Command[0])));
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
        services.Configure<HostOptions>(host => host.ShutdownTimeout = options.Limits.ShutdownGrace + AgentShutdown.AnswerMargin);
        services.AddSingleton<FunctionInvoker>();

        var app = builder.Build();

        // Before every endpoint: a web page must not reach an agent on 127.0.0.1 (DNS
        // rebinding, cross-site POSTs).
        app.Use(new LoopbackHostFilter(options.AllowedHosts).Wrap);
        var shutdown = app.Services.GetRequiredService<AgentShutdown>();
        app.Lifetime.ApplicationStopping.Register(() => shutdown.Begin(options.Limits.ShutdownGrace));
        app.MapCalls();
        app.MapAdmin();

        // Load the functions at start, so their errors show before the first call, and
        // build what needs building before anyone calls it.
        app.Services.GetRequiredService<FunctionBuilds>().BuildAhead(app.Services.GetRequiredService<IFunctionRegistry>());

        // Direktiv's isolation mode is decided and logged once, at start; min_idle instances start.
        _ = app.Services.GetRequiredService<DirektivInstances>();
        return app;
    }
}
