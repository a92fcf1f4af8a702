using System.Text.Json;
using Fnagent.Api;
using Fnagent.Functions;
using Fnagent.Management;
using Fnagent.State.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Fnagent.Http;

/// <summary>Sonr's function table over the admin API (docs/protocols.md §9): list, add or replace, remove.</summary>
internal static partial class ManagementEndpoints
{
    private static readonly string[] SonrFields = ["controller", "binary", "callback", "params", "network"];

    private static void MapSonrRegistry(IEndpointRouteBuilder endpoints, FunctionsFolder functionsFolder)
    {
        var blobs = endpoints.ServiceProvider.GetRequiredService<BlobStore>();
        var sonr = endpoints.MapGroup("/v1/sonr/functions").WithTags("Sonr functions");
        sonr.MapGet("", () => Results.Json(new SonrFunctionList([.. functionsFolder.SonrFunctions().Select(ToSonrInfo)]), ApiJsonContext.Answers.SonrFunctionList))
            .WithSummary("Every Sonr function, by name").Produces<SonrFunctionList>();

        sonr.MapPut("/{name}", async (string name, HttpRequest request) => await RunAsync(async () =>
        {
            var (function, created) = await functionsFolder.PutSonrAsync(name, ReadRegistration(JsonFields.Object(await ReadAsync(request))), blobs,
                request.HttpContext.RequestAborted);
            return Results.Json(ToSonrInfo(function), ApiJsonContext.Answers.SonrFunctionInfo, statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        })).WithSummary("Adds or replaces a Sonr function: {controller, binary (a CID in the content store), callback?, params?, network?}")
            .Produces<SonrFunctionInfo>().Produces<SonrFunctionInfo>(StatusCodes.Status201Created).ProducesManagementError(400, 409);

        sonr.MapDelete("/{name}", (string name) => Run(() =>
        {
            functionsFolder.RemoveSonr(name);
            return Results.NoContent();
        })).WithSummary("Removes a Sonr function: its calls answer 404 from then on").Produces(StatusCodes.Status204NoContent).ProducesManagementError(404);
    }

    private static SonrRegistration ReadRegistration(JsonElement body)
    {
        if (body.EnumerateObject().Select(field => field.Name).FirstOrDefault(name => !SonrFields.Contains(name)) is { } unknown)
        {
            throw ManagementProblem.BadInput($"unknown field; known fields are {string.Join(", ", SonrFields)}", unknown);
        }

        List<string>? parameters = null;
        if (body.TryGetProperty("params", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            parameters = list.ValueKind == JsonValueKind.Array && list.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String)
                ? [.. list.EnumerateArray().Select(item => item.GetString()!)]
                : throw ManagementProblem.BadInput("expected a list of parameter names like [\"lang\"]", "params");
        }

        return new SonrRegistration(JsonFields.Text(body, "controller"), JsonFields.Text(body, "binary"), JsonFields.Text(body, "callback"), parameters,
            JsonFields.Text(body, "network"));
    }

    private static SonrFunctionInfo ToSonrInfo(FunctionDefinition f) => new(f.Name, f.Id, f.Sonr!.Controller, f.Sonr.Binary, f.Sonr.Callback?.AbsoluteUri,
        f.Sonr.Params, f.Network == FunctionNetwork.None ? "none" : "host");
}
