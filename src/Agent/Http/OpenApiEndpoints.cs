using Fnagent.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Scalar.AspNetCore;

namespace Fnagent.Http;

/// <summary>
/// The admin API described as OpenAPI (<c>/openapi/v1.json</c>, committed as
/// docs/openapi.json) and a reference page to try it from a browser (<c>/scalar</c>).
/// The document is made from the endpoints themselves, so it cannot drift from them.
/// </summary>
internal static class OpenApiEndpoints
{
    public const string DocumentPath = "/openapi/v1.json";

    public static void AddAgentOpenApi(this IServiceCollection services)
    {
        // The answers' JSON shapes (snake_case) as the endpoints write them.
        services.Configure<JsonOptions>(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        services.Configure<JsonOptions>(json => json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
        services.AddOpenApi("v1", options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "fnagent admin API";
            document.Info.Description = "Calls, their records, logs and outputs, the functions served, and Fn's v2 API to manage them (docs/management.md). "
                + "Functions themselves are called at /r/{app}/{route}, /t/{app}/{source} and /invoke/{fn_id} (docs/protocols.md). "
                + "Every /v1 and /v2 request carries Authorization: Bearer <admin token> unless the agent listens on loopback only without FNAGENT_AdminToken (docs/operations.md).";

            // The same document whatever address the agent listens on (docs/openapi.json is this one).
            document.Servers = [];

            // The admin token, so the reference page can send it.
            document.Components ??= new();
            document.Components.SecuritySchemes = new Dictionary<string, Microsoft.OpenApi.IOpenApiSecurityScheme>
            {
                ["admin_token"] = new Microsoft.OpenApi.OpenApiSecurityScheme { Type = Microsoft.OpenApi.SecuritySchemeType.Http, Scheme = "bearer" },
            };
            document.Security = [new Microsoft.OpenApi.OpenApiSecurityRequirement { [new Microsoft.OpenApi.OpenApiSecuritySchemeReference("admin_token", document)] = [] }];
            return Task.CompletedTask;
        }));
    }

    public static void MapAgentOpenApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi("/openapi/{documentName}.json");
        endpoints.MapScalarApiReference("/scalar", options => options.WithOpenApiRoutePattern("/openapi/{documentName}.json").WithTitle("fnagent admin API"));
    }
}
