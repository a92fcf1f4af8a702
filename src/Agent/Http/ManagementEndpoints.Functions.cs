using Fnagent.Api;
using Fnagent.Functions;
using Fnagent.Management;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Fnagent.Http;

/// <summary><c>/v2/fns</c>: functions, their code and its rollback.</summary>
internal static partial class ManagementEndpoints
{
    /// <summary>Fn's annotation naming where a function is invoked; its clients read it.</summary>
    private const string InvokeEndpoint = "fnproject.io/fn/invokeEndpoint";

    private static void MapFunctions(IEndpointRouteBuilder endpoints, FunctionsFolder functionsFolder, CodeDeployer deployer)
    {
        var fns = endpoints.MapGroup("/v2/fns").WithTags("v2 fns");
        fns.MapGet("", (HttpRequest request) => Run(() =>
        {
            var (appId, name) = (request.Query["app_id"].ToString(), request.Query["name"].ToString());
            var all = functionsFolder.Registry.All.Concat(functionsFolder.Registry.Waiting)
                .Where(f => (appId.Length == 0 || FunctionIds.App(f.App) == appId) && (name.Length == 0 || f.Name == name))
                .Select(f => ToInfo(f, request));
            var (items, next) = Page(all, f => f.AppId + "\0" + f.Name, request);
            return Results.Json(new FnList(items, next), ApiJsonContext.Answers.FnList);
        })).WithSummary("Functions, a page at a time (app_id, name, per_page, cursor)").Produces<FnList>().ProducesManagementError(400);

        fns.MapPost("", async (HttpRequest request) => await RunAsync(async () =>
            FnAnswer(functionsFolder.CreateFunction(JsonFields.Object(await ReadAsync(request))), request)))
            .WithSummary("Creates a function; without cmd it waits for its code (PUT /v2/fns/{fnId}/code)").Produces<FnInfo>().ProducesManagementError(400, 404, 409);

        fns.MapGet("/{fnId}", (string fnId, HttpRequest request) => Run(() => FnAnswer(functionsFolder.FindFunction(fnId), request)))
            .WithSummary("One function").Produces<FnInfo>().ProducesManagementError(404);

        fns.MapPut("/{fnId}", async (string fnId, HttpRequest request) => await RunAsync(async () =>
            FnAnswer(functionsFolder.UpdateFunction(functionsFolder.FindFunction(fnId), JsonFields.Object(await ReadAsync(request))), request)))
            .WithSummary("Changes a function: the fields given; a config key set to \"\" is removed; the next call sees it").Produces<FnInfo>().ProducesManagementError(400, 404, 409);

        fns.MapDelete("/{fnId}", (string fnId) => Run(() =>
        {
            functionsFolder.DeleteFunction(functionsFolder.FindFunction(fnId));
            return Results.NoContent();
        })).WithSummary("Removes a function and its folder").Produces(StatusCodes.Status204NoContent).ProducesManagementError(404);

        fns.MapPut("/{fnId}/code", async (string fnId, HttpContext context, AgentOptions options) => await RunAsync(async () =>
        {
            var function = functionsFolder.FindFunction(fnId);
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                // The unpacker counts the bytes itself and refuses past its own limit with a 400.
                size.MaxRequestBodySize = null;
            }

            if (context.Request.ContentLength > options.Limits.MaxCodeArchiveBytes)
            {
                throw ManagementProblem.BadInput($"the archive is larger than {options.Limits.MaxCodeArchiveBytes} bytes", "code");
            }

            return FnAnswer(await deployer.DeployAsync(function, context.Request.Body, context.RequestAborted), context.Request);
        }))
            .WithSummary("Uploads a .tar.gz of the function's folder: unpacked, built, then served; the old version serves until then").Produces<FnInfo>().ProducesManagementError(400, 404, 409);

        fns.MapPost("/{fnId}/rollback", (string fnId, HttpRequest request) => Run(() => FnAnswer(deployer.Rollback(functionsFolder.FindFunction(fnId)), request)))
            .WithSummary("Serves the version before the one serving again").Produces<FnInfo>().ProducesManagementError(404, 409);
    }

    private static IResult FnAnswer(FunctionDefinition function, HttpRequest request) =>
        Results.Json(ToInfo(function, request), ApiJsonContext.Answers.FnInfo);

    private static FnInfo ToInfo(FunctionDefinition f, HttpRequest request)
    {
        var annotations = new Dictionary<string, string>(f.Annotations, StringComparer.Ordinal);
        if (f.Sonr is null)
        {
            // A Sonr function is called only at /v1/functions/{name}/{did}/{cid} (docs/protocols.md §9).
            annotations[InvokeEndpoint] = $"{BaseUrl(request)}/invoke/{f.Id}";
        }

        var (created, updated) = Times(f);
        return new FnInfo(f.Id, f.Name, FunctionIds.App(f.App), f.HasCode ? f.Command : null, FunctionFormats.Of(f.Format).Name, f.Type == FunctionType.Async ? "async" : "sync",
            f.Route, f.MemoryMb, f.Timeout.TotalSeconds, f.IdleTimeout.TotalSeconds, f.Cpus, f.Pids, f.TmpSizeMb,
            f.Network == FunctionNetwork.None ? "none" : "host", f.WritableFolder, f.MaxConcurrency, f.MinIdle, f.AsyncConcurrency, f.Retries,
            f.OwnConfig, f.Headers, f.Build, annotations, f.DeclaredAuth is { } declared ? AuthName(declared) : null, AuthName(f.Auth), f.HasCode, CodeDeployer.VersionOf(f), f.SourceFile, f.Notes, created, updated);
    }

    private static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";
}
