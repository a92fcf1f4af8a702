using Fnagent.Api;
using Fnagent.Functions;
using Fnagent.Management;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Fnagent.Http;

/// <summary><c>/v2/triggers</c>: HTTP triggers, served at <c>/t/{app}{source}</c>.</summary>
internal static partial class ManagementEndpoints
{
    /// <summary>Fn's annotation naming a trigger's URL; its clients read it.</summary>
    private const string TriggerEndpoint = "fnproject.io/trigger/httpEndpoint";

    private static void MapTriggers(IEndpointRouteBuilder endpoints, FunctionsFolder functionsFolder)
    {
        var triggers = endpoints.MapGroup("/v2/triggers").WithTags("v2 triggers");
        triggers.MapGet("", (HttpRequest request) => Run(() =>
        {
            var (appId, fnId, name) = (request.Query["app_id"].ToString(), request.Query["fn_id"].ToString(), request.Query["name"].ToString());
            var all = functionsFolder.Triggers()
                .Where(p => (appId.Length == 0 || FunctionIds.App(p.Function.App) == appId) && (fnId.Length == 0 || p.Function.Id == fnId)
                    && (name.Length == 0 || p.Trigger.Name == name))
                .Select(p => ToInfo(p.Function, p.Trigger, request));
            var (items, next) = Page(all, t => t.AppId + "\0" + t.FnId + "\0" + t.Name, request);
            return Results.Json(new TriggerList(items, next), ApiJsonContext.Answers.TriggerList);
        })).WithSummary("Triggers, a page at a time (app_id, fn_id, name, per_page, cursor)").Produces<TriggerList>().ProducesManagementError(400);

        triggers.MapPost("", async (HttpRequest request) => await RunAsync(async () =>
            TriggerAnswer(functionsFolder.CreateTrigger(JsonFields.Object(await ReadAsync(request))), request)))
            .WithSummary("Creates an HTTP trigger").Produces<TriggerInfo>().ProducesManagementError(400, 404, 409);

        triggers.MapGet("/{triggerId}", (string triggerId, HttpRequest request) => Run(() => TriggerAnswer(functionsFolder.FindTrigger(triggerId), request)))
            .WithSummary("One trigger").Produces<TriggerInfo>().ProducesManagementError(404);

        triggers.MapPut("/{triggerId}", async (string triggerId, HttpRequest request) => await RunAsync(async () =>
        {
            var (function, trigger) = functionsFolder.FindTrigger(triggerId);
            return TriggerAnswer(functionsFolder.UpdateTrigger(function, trigger, JsonFields.Object(await ReadAsync(request))), request);
        })).WithSummary("Changes a trigger's source").Produces<TriggerInfo>().ProducesManagementError(400, 404, 409);

        triggers.MapDelete("/{triggerId}", (string triggerId) => Run(() =>
        {
            var (function, trigger) = functionsFolder.FindTrigger(triggerId);
            functionsFolder.DeleteTrigger(function, trigger);
            return Results.NoContent();
        })).WithSummary("Removes a trigger").Produces(StatusCodes.Status204NoContent).ProducesManagementError(404);
    }

    private static IResult TriggerAnswer((FunctionDefinition Function, FunctionTrigger Trigger) pair, HttpRequest request) =>
        Results.Json(ToInfo(pair.Function, pair.Trigger, request), ApiJsonContext.Answers.TriggerInfo);

    private static TriggerInfo ToInfo(FunctionDefinition function, FunctionTrigger trigger, HttpRequest request)
    {
        var (created, updated) = Times(function);
        var annotations = new Dictionary<string, string> { [TriggerEndpoint] = $"{BaseUrl(request)}/t/{function.App}{trigger.Source}" };
        return new TriggerInfo(FunctionIds.Trigger(function.App, function.Name, trigger.Name), trigger.Name, FunctionIds.App(function.App), function.Id,
            trigger.Type, trigger.Source, annotations, created, updated);
    }
}
