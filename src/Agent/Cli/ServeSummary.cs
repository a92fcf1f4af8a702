using System.Globalization;
using Fnagent.Builds;
using Fnagent.Functions;
using Fnagent.Invocation;
using Microsoft.AspNetCore.Builder;
using Spectre.Console;

namespace Fnagent.Cli;

/// <summary>
/// What <c>serve</c> prints once it listens, for the person who just started it: the
/// addresses Kestrel bound (the real port when 0 was asked for), one row per function
/// (route, format, state), the problems found in func.yml files, and whether the admin API
/// asks for a token. Plain text with an ASCII table when stdout is not a terminal (CI logs),
/// wide enough not to wrap paths.
/// </summary>
internal static class ServeSummary
{
    public static void Print(WebApplication app)
    {
        var console = AnsiConsole.Console;
        if (!console.Profile.Out.IsTerminal)
        {
            console.Profile.Width = Math.Max(console.Profile.Width, 200);
        }

        Print(console, app.Urls, app.Services.GetRequiredService<IFunctionRegistry>(), app.Services.GetRequiredService<FunctionBuilds>(),
            app.Services.GetRequiredService<AgentOptions>());
        PrintAdmin(console, app.Services.GetRequiredService<Http.AdminAuth>(), app.Services.GetRequiredService<AgentOptions>());
    }

    /// <summary>One line: whether the admin API asks for the token, and where the agent's own token file is.</summary>
    private static void PrintAdmin(IAnsiConsole console, Http.AdminAuth auth, AgentOptions options)
    {
        if (auth.TokenRequired && options.AdminToken is null)
        {
            console.MarkupLineInterpolated($"admin API (/v1, /v2) requires the token (AllowedHosts is set: a proxy brings callers from elsewhere): Authorization: Bearer <the token in {auth.TokenFile}>");
        }
        else if (auth.TokenRequired)
        {
            console.MarkupLineInterpolated($"admin API (/v1, /v2) requires the token: Authorization: Bearer <FNAGENT_AdminToken> (token file, unused while it is set: {auth.TokenFile})");
        }
        else
        {
            console.MarkupLineInterpolated($"admin API (/v1, /v2) open: loopback only and no FNAGENT_AdminToken, no token asked (token file: {auth.TokenFile})");
        }
    }

    private static void Print(IAnsiConsole console, ICollection<string> addresses, IFunctionRegistry registry, FunctionBuilds builds, AgentOptions options)
    {
        foreach (var address in addresses)
        {
            console.MarkupLineInterpolated($"fnagent listening on [bold]{address}[/]");
        }

        var functions = registry.All.OrderBy(f => f.App, StringComparer.Ordinal).ThenBy(f => f.Route, StringComparer.Ordinal).ToList();
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"serving {functions.Count} function{(functions.Count == 1 ? "" : "s")} from {Path.GetFullPath(options.FunctionsDirectory)}"));
        if (functions.Count > 0)
        {
            var table = new Table()
                .Border(console.Profile.Out.IsTerminal ? TableBorder.Rounded : TableBorder.Ascii)
                .AddColumns("route", "format", "state");
            foreach (var function in functions)
            {
                table.AddRow(Markup.Escape($"/r/{function.App}{function.Route}"), FunctionFormats.Of(function.Format).Name, State(function, builds));
            }

            console.Write(table);
        }

        var errors = registry.Errors;
        if (errors.Count > 0)
        {
            console.MarkupLineInterpolated($"[yellow]{errors.Count} problem{(errors.Count == 1 ? "" : "s")} in func.yml files (those functions are not served):[/]");
            foreach (var error in errors)
            {
                console.MarkupLineInterpolated($"  {error.ToString()}");
            }
        }
    }

    /// <summary>ready, warm N (min_idle processes kept running), building, or problem (its last build failed).</summary>
    private static string State(FunctionDefinition function, FunctionBuilds builds) =>
        builds.IsBuilding(function) ? "building"
        : builds.LastBuildFailed(function) ? "[red]problem: build failed[/]"
        : function.MinIdle > 0 && function.Format is not FunctionFormat.Default ? string.Create(CultureInfo.InvariantCulture, $"warm {function.MinIdle}")
        : "ready";
}
