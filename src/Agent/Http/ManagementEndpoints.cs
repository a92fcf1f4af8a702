using System.Text;
using System.Text.Json;
using Fnagent.Api;
using Fnagent.Functions;
using Fnagent.Management;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Fnagent.Http;

/// <summary>
/// Fn's v2 API (docs/management.md): apps, fns, triggers, and this agent's code upload and
/// rollback. Every answer of it is JSON; every failure a <see cref="ManagementError"/>.
/// </summary>
internal static partial class ManagementEndpoints
{
    private const int MaxBodyBytes = 256 * 1024;
    private const int DefaultPerPage = 30;
    private const int MaxPerPage = 100;

    public static void MapManagement(this IEndpointRouteBuilder endpoints)
    {
        var functionsFolder = endpoints.ServiceProvider.GetRequiredService<FunctionsFolder>();
        var apps = endpoints.MapGroup("/v2/apps").WithTags("v2 apps");
        apps.MapGet("", (HttpRequest request) => Run(() =>
        {
            var name = request.Query["name"].ToString();
            var all = functionsFolder.Registry.Apps.Where(a => name.Length == 0 || a.Name == name).Select(a => ToInfo(a, functionsFolder.Registry));
            var (items, next) = Page(all, a => a.Name, request);
            return Results.Json(new AppList(items, next), ApiJsonContext.Answers.AppList);
        })).WithSummary("Apps, by name, a page at a time (name, per_page, cursor)").Produces<AppList>().ProducesManagementError(400);

        apps.MapPost("", async (HttpRequest request) => await RunAsync(async () =>
            AppAnswer(functionsFolder.CreateApp(JsonFields.Object(await ReadAsync(request))), functionsFolder)))
            .WithSummary("Creates an app").Produces<AppInfo>().ProducesManagementError(400, 409);

        apps.MapGet("/{appId}", (string appId) => Run(() => AppAnswer(functionsFolder.FindApp(appId), functionsFolder)))
            .WithSummary("One app").Produces<AppInfo>().ProducesManagementError(404);

        apps.MapPut("/{appId}", async (string appId, HttpRequest request) => await RunAsync(async () =>
            AppAnswer(functionsFolder.UpdateApp(functionsFolder.FindApp(appId), JsonFields.Object(await ReadAsync(request))), functionsFolder)))
            .WithSummary("Changes an app: the fields given; a config key set to \"\" is removed")
            .Produces<AppInfo>().ProducesManagementError(400, 404, 409);

        apps.MapDelete("/{appId}", (string appId) => Run(() =>
        {
            functionsFolder.DeleteApp(functionsFolder.FindApp(appId));
            return Results.NoContent();
        })).WithSummary("Removes an app and all its functions").Produces(StatusCodes.Status204NoContent).ProducesManagementError(404);

        MapFunctions(endpoints, functionsFolder, endpoints.ServiceProvider.GetRequiredService<CodeDeployer>());
        MapTriggers(endpoints, functionsFolder);
        MapSonrRegistry(endpoints, functionsFolder);
    }

    private static IResult AppAnswer(AppDefinition app, FunctionsFolder functionsFolder) =>
        Results.Json(ToInfo(app, functionsFolder.Registry), ApiJsonContext.Answers.AppInfo);

    private static AppInfo ToInfo(AppDefinition app, IFunctionRegistry registry)
    {
        var functions = registry.All.Concat(registry.Waiting).Where(f => f.App == app.Name).ToList();
        var (created, updated) = app.SourceFile is { } file
            ? Times(Path.GetDirectoryName(file)!, file)
            : functions.Count == 0 ? (DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch)
            : (functions.Min(f => Times(f).Created), functions.Max(f => Times(f).Updated));
        return new AppInfo(app.Id, app.Name, app.Config, app.Annotations, AuthName(app.Auth), created, updated);
    }

    /// <summary>When an object was made and last changed: its folder's birth, its file's last write.</summary>
    private static (DateTimeOffset Created, DateTimeOffset Updated) Times(string folder, string file)
    {
        // Where the file system keeps no birth time, .NET gives the folder's last change.
        var updated = File.GetLastWriteTimeUtc(file);
        var created = Directory.GetCreationTimeUtc(folder);
        return (new DateTimeOffset(created < updated ? created : updated, TimeSpan.Zero), new DateTimeOffset(updated, TimeSpan.Zero));
    }

    private static (DateTimeOffset Created, DateTimeOffset Updated) Times(FunctionDefinition function) =>
        Times(Path.GetDirectoryName(function.SourceFile)!, function.SourceFile);

    private static string AuthName(CallAuth auth) => auth == CallAuth.Token ? "token" : "none";

    /// <summary>
    /// One page of <paramref name="all"/> in the order of <paramref name="key"/>, as Fn pages:
    /// <c>per_page</c> (default 30, at most 100) and <c>cursor</c>, the base64 of the last key
    /// of the page before; <c>next_cursor</c> only when more may follow.
    /// </summary>
    private static (List<T> Items, string? Next) Page<T>(IEnumerable<T> all, Func<T, string> key, HttpRequest request)
    {
        var perPage = DefaultPerPage;
        if (request.Query["per_page"].ToString() is { Length: > 0 } text
            && (!int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out perPage) || perPage < 1 || perPage > MaxPerPage))
        {
            throw ManagementProblem.BadInput($"expected a whole number from 1 to {MaxPerPage}, got \"{text}\"", "per_page");
        }

        string? after = null;
        if (request.Query["cursor"].ToString() is { Length: > 0 } cursor)
        {
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            }
            catch (FormatException)
            {
                throw ManagementProblem.BadInput("expected the next_cursor of an earlier page", "cursor");
            }
        }

        var items = all.OrderBy(key, StringComparer.Ordinal).Where(item => after is null || string.CompareOrdinal(key(item), after) > 0).Take(perPage + 1).ToList();
        if (items.Count <= perPage)
        {
            return (items, null);
        }

        items.RemoveAt(perPage);
        return (items, Convert.ToBase64String(Encoding.UTF8.GetBytes(key(items[^1]))));
    }

    /// <summary>The request's JSON body, read whole up to a bound (a definition is small); a 400 when it is not JSON.</summary>
    private static async Task<JsonDocument?> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw ManagementProblem.BadInput($"the body is larger than {MaxBodyBytes} bytes");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw ManagementProblem.BadInput($"the body is larger than {MaxBodyBytes} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return buffer.Length == 0 ? null : JsonDocument.Parse(buffer.ToArray());
        }
        catch (JsonException e)
        {
            throw ManagementProblem.BadInput($"the body is not JSON: {e.Message}");
        }
    }

    private static Task<IResult> Run(Func<IResult> action) => RunAsync(() => Task.FromResult(action()));

    /// <summary>
    /// The action's answer, or its failure in the management error shape: a refused request
    /// as it says; a definition file a person broke since the last scan (400, naming it); a
    /// folder that changed under the request (another request removed it: 409).
    /// </summary>
    private static async Task<IResult> RunAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (ManagementProblem problem)
        {
            return Error(problem);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            return Error(ManagementProblem.BadInput($"a definition file the request changes is not valid YAML (line {e.Start.Line}): fix it by hand first"));
        }
        catch (Exception e) when (e is IOException and not PathTooLongException)
        {
            return Error(ManagementProblem.Conflict($"the functions folder changed during the request: {e.Message}"));
        }
    }

    private static IResult Error(ManagementProblem problem) =>
        Results.Json(new ManagementError(problem.Message, new ManagementErrorDetail(problem.Message, problem.Field)),
            ApiJsonContext.Answers.ManagementError, statusCode: problem.Status);

    private static RouteHandlerBuilder ProducesManagementError(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.Produces<ManagementError>(status);
        }

        return builder;
    }
}
