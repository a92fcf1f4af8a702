using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Net.Http.Json;
using Fnagent.Api;
using Fnagent.Functions;
using Fnagent.Hosting;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Fnagent.Cli;

/// <summary>
/// <c>fnagent bench &lt;app&gt;/&lt;route&gt; [-n N] [-c C] [--compare-cold]</c>: N calls
/// against a served function, C at a time, with a live progress display; then throughput
/// and latency percentiles. <c>--compare-cold</c> also runs the same function cold (see
/// <see cref="ColdCaller"/>) so the user sees the hot/cold ratio of their own function.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("app/route") { Description = "e.g. examples/hot-json-python" };
        var requests = new Option<int>("--requests", "-n") { Description = "Number of calls", DefaultValueFactory = _ => 1000 };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Calls in flight at once", DefaultValueFactory = _ => 4 };
        var data = new Option<string>("--data", "-d") { Description = "Request body of every call", DefaultValueFactory = _ => "{\"name\":\"bench\"}" };
        var contentType = new Option<string>("--content-type") { Description = "Content-Type of the body", DefaultValueFactory = _ => "application/json" };
        var method = new Option<string>("--method", "-X") { Description = "HTTP method", DefaultValueFactory = _ => "POST" };
        var compareCold = new Option<bool>("--compare-cold")
        {
            Description = "Also run the function cold (a fresh process per call, on this machine, from its func.yml) and show the hot/cold ratio",
        };
        var coldRequests = new Option<int?>("--cold-requests") { Description = "Calls of the cold run (default: N, at most 200)" };
        var agent = AgentClient.AgentOption();
        var token = AgentClient.TokenOption();
        var command = new Command("bench", "Measure a served function: calls/s and latency percentiles")
        {
            target, requests, concurrency, data, contentType, method, compareCold, coldRequests, agent, token,
        };

        AtLeastOne(requests);
        AtLeastOne(concurrency);
        AtLeastOne(coldRequests);

        command.SetAction(async (result, cancellationToken) =>
        {
            var settings = new BenchSettings(
                result.GetValue(target)!.Trim('/'),
                result.GetValue(requests),
                result.GetValue(concurrency),
                Encoding.UTF8.GetBytes(result.GetValue(data)!),
                result.GetValue(contentType)!,
                result.GetValue(method)!,
                result.GetValue(compareCold) ? result.GetValue(coldRequests) ?? Math.Min(result.GetValue(requests), 200) : 0,
                result.GetValue(agent)!,
                result.GetValue(token));
            return await RunAsync(settings, AnsiConsole.Console, cancellationToken);
        });
        return command;
    }

    /// <summary>Rejects a number below 1 (a token that is not a number is rejected by the parser itself).</summary>
    private static void AtLeastOne(Option option) => option.Validators.Add(result =>
    {
        if (result.Tokens is [var token] && int.TryParse(token.Value, CultureInfo.InvariantCulture, out var value) && value < 1)
        {
            result.AddError($"{option.Name} must be at least 1");
        }
    });

    internal static async Task<int> RunAsync(BenchSettings settings, IAnsiConsole console, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var client = AgentClient.Authorize(new HttpClient(handler) { BaseAddress = new Uri(settings.Agent.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(5) }, settings.Token);

        ListedFunction? served;
        try
        {
            using var response = await client.GetAsync("v1/functions", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                console.MarkupLineInterpolated($"[red]{await AgentClient.ErrorMessageAsync(response, cancellationToken)}[/]");
                return 1;
            }

            var listing = await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.FunctionListing, cancellationToken);
            served = listing?.Functions.FirstOrDefault(f => f.Path == "/r/" + settings.Target);
        }
        catch (HttpRequestException e)
        {
            console.MarkupLineInterpolated($"[red]cannot reach the agent at {client.BaseAddress}: {e.Message}[/]");
            return 2;
        }

        if (served is null)
        {
            console.MarkupLineInterpolated($"[red]the agent at {client.BaseAddress} serves no function at /r/{settings.Target}[/]");
            return 1;
        }

        ColdCaller? cold = null;
        if (settings.ColdRequests > 0)
        {
            if (LoadDefinition(served) is not { } definition)
            {
                console.MarkupLineInterpolated($"[red]--compare-cold needs the function's func.yml on this machine; {served.File} is not readable here (run bench where the agent runs)[/]");
                return 1;
            }

            if (!ColdCaller.Supports(definition.Format))
            {
                console.MarkupLineInterpolated($"[red]--compare-cold: format {served.Format} cannot be run cold here (default, json and http can)[/]");
                return 1;
            }

            if (LoadOptions(console) is not { } options)
            {
                return 1;
            }

            cold = new ColdCaller(definition, options, settings.Body, settings.Method, settings.ContentType);
        }

        var results = new List<BenchResult>();
        try
        {
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(async progress =>
                {
                    results.Add(await RunOneAsync(progress, "hot", settings.Requests, settings.Concurrency,
                        ct => CallAgentAsync(client, settings, ct), cancellationToken));
                    if (cold is not null)
                    {
                        results.Add(await RunOneAsync(progress, "cold", settings.ColdRequests, settings.Concurrency,
                            cold.CallAsync, cancellationToken));
                    }
                });
        }
        finally
        {
            if (cold is not null)
            {
                await cold.DisposeAsync();
            }
        }

        Print(console, settings, served, results);
        return results.Any(r => r.Failures > 0) ? 1 : 0;
    }

    private static async Task<BenchResult> RunOneAsync(ProgressContext progress, string label, int total, int concurrency,
        Func<CancellationToken, Task<bool>> call, CancellationToken cancellationToken)
    {
        var task = progress.AddTask(Markup.Escape(label), maxValue: total);
        var started = DateTime.UtcNow;
        var done = 0;
        var result = await BenchLoop.RunAsync(label, total, concurrency, call, () =>
        {
            task.Increment(1);
            var count = Interlocked.Increment(ref done);
            if (count % 50 == 0)
            {
                var rate = count / Math.Max(0.001, (DateTime.UtcNow - started).TotalSeconds);
                task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{label} {rate,6:0} calls/s"));
            }
        }, cancellationToken);
        task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{label} {result.CallsPerSecond,6:0} calls/s"));
        task.StopTask();
        return result;
    }

    private static async Task<bool> CallAgentAsync(HttpClient client, BenchSettings settings, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(settings.Method), "r/" + settings.Target);
        if (settings.Method is not ("GET" or "HEAD"))
        {
            request.Content = new ByteArrayContent(settings.Body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(settings.ContentType);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await (await response.Content.ReadAsStreamAsync(cancellationToken)).CopyToAsync(Stream.Null, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    private static void Print(IAnsiConsole console, BenchSettings settings, ListedFunction served, List<BenchResult> results)
    {
        var table = new Table().Border(TableBorder.Markdown)
            .Title(Markup.Escape($"/r/{settings.Target} ({served.Format}), concurrency {settings.Concurrency}"))
            .AddColumns("run", "calls", "failed", "secs", "calls/s", "p50 ms", "p90 ms", "p99 ms", "max ms");
        foreach (var column in table.Columns.Skip(1))
        {
            column.RightAligned();
        }

        foreach (var r in results)
        {
            table.AddRow(Markup.Escape(r.Label), N(r.Calls, "0"), N(r.Failures, "0"), N(r.Elapsed.TotalSeconds, "0.00"),
                N(r.CallsPerSecond, "0"), N(r.Percentile(0.50), "0.00"), N(r.Percentile(0.90), "0.00"),
                N(r.Percentile(0.99), "0.00"), N(r.MaxMs, "0.00"));
        }

        console.Write(table);
        if (results.Count > 1)
        {
            console.MarkupLine("cold: a fresh process per call, started on this machine from the function's func.yml");
        }

        if (results is [var hot, var cold] && cold.CallsPerSecond > 0)
        {
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"hot/cold: [bold]{hot.CallsPerSecond / cold.CallsPerSecond:0.0}x[/] the calls/s, p50 latency {cold.Percentile(0.5) / Math.Max(0.001, hot.Percentile(0.5)):0.0}x lower hot"));
        }

        foreach (var r in results.Where(r => r.Failures > 0))
        {
            console.MarkupLineInterpolated($"[yellow]{r.Failures} of {r.Calls} calls failed in the {r.Label} run (see the agent's log or fnagent logs <call_id>)[/]");
        }
    }

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>The settings <c>serve</c> would read here (appsettings.json, <c>FNAGENT_</c> variables); null, reported, when one is bad.</summary>
    private static AgentOptions? LoadOptions(IAnsiConsole console)
    {
        IConfigurationRoot? configuration = null;
        try
        {
            configuration = AgentConfiguration.Build();
            return AgentConfiguration.Load(configuration);
        }
        catch (Exception e) when (SettingsProblem.Describe(e, configuration) is { } problem)
        {
            console.MarkupLineInterpolated($"[red]--compare-cold: {problem}[/]");
            return null;
        }
    }

    private static FunctionDefinition? LoadDefinition(ListedFunction served)
    {
        if (!File.Exists(served.File))
        {
            return null;
        }

        var snapshot = FunctionSnapshot.Scan(Path.GetDirectoryName(served.File)!);
        return snapshot.All.FirstOrDefault(f => f.SourceFile == served.File)
            ?? (snapshot.TryFind(served.App, served.Route, out var function) ? function : null);
    }
}

/// <summary>What <c>fnagent bench</c> was asked to do.</summary>
internal sealed record BenchSettings(string Target, int Requests, int Concurrency, byte[] Body, string ContentType, string Method, int ColdRequests, string Agent, string? Token = null);
