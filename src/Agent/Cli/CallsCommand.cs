using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using Fnagent.Api;
using Spectre.Console;

namespace Fnagent.Cli;

/// <summary><c>fnagent calls [app[/fn]] [--status S] [--limit N]</c>: the newest calls as a table (<c>GET /v1/calls</c>).</summary>
internal static class CallsCommand
{
    public static Command Create()
    {
        var target = new Argument<string?>("app/fn") { Description = "Only the calls of this app, or of this function of it", Arity = ArgumentArity.ZeroOrOne };
        var status = new Option<string?>("--status") { Description = "Only calls in this state: queued, running, success, error, timeout, cancelled" };
        var limit = new Option<int>("--limit") { Description = "How many calls (at most 1000)", DefaultValueFactory = _ => 20 };
        var agent = AgentClient.AgentOption();
        var token = AgentClient.TokenOption();
        var command = new Command("calls", "List the newest calls, newest first") { target, status, limit, agent, token };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var client = AgentClient.Create(result.GetValue(agent)!, result.GetValue(token));
            var query = new List<string> { $"limit={result.GetValue(limit).ToString(CultureInfo.InvariantCulture)}" };
            if (result.GetValue(target) is { Length: > 0 } appFn)
            {
                var slash = appFn.IndexOf('/', StringComparison.Ordinal);
                query.Add("app=" + Uri.EscapeDataString(slash < 0 ? appFn : appFn[..slash]));
                if (slash >= 0 && slash < appFn.Length - 1)
                {
                    query.Add("fn=" + Uri.EscapeDataString(appFn[(slash + 1)..]));
                }
            }

            if (result.GetValue(status) is { Length: > 0 } state)
            {
                query.Add("status=" + Uri.EscapeDataString(state));
            }

            try
            {
                using var response = await client.GetAsync("v1/calls?" + string.Join('&', query), cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    await Console.Error.WriteLineAsync(await AgentClient.ErrorMessageAsync(response, cancellationToken));
                    return 1;
                }

                var page = await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.CallListing, cancellationToken);
                Print(page?.Calls ?? []);
                return 0;
            }
            catch (HttpRequestException e)
            {
                await Console.Error.WriteLineAsync($"cannot reach the agent at {client.BaseAddress}: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static void Print(IReadOnlyList<CallSummary> calls)
    {
        // Piped (a script, a CI log): wide enough that no call id is wrapped.
        var console = AnsiConsole.Console;
        if (!console.Profile.Out.IsTerminal)
        {
            console.Profile.Width = Math.Max(console.Profile.Width, 200);
        }

        var table = new Table()
            .Border(console.Profile.Out.IsTerminal ? TableBorder.Rounded : TableBorder.Ascii)
            .AddColumns("call id", "function", "type", "status", "http", "started (UTC)", "ms", "error");
        foreach (var call in calls)
        {
            table.AddRow(
                call.CallId,
                Markup.Escape($"{call.App}/{call.Function}"),
                call.Type,
                call.Status,
                call.HttpStatus?.ToString(CultureInfo.InvariantCulture) ?? "",
                call.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                call.DurationMs?.ToString("0.0", CultureInfo.InvariantCulture) ?? "",
                Markup.Escape(call.Error ?? ""));
        }

        console.Write(table);
    }
}
