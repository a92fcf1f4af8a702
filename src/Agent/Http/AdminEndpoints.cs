using Fnagent.Functions;
using Fnagent.Invocation;
using Fnagent.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Fnagent.Http;

/// <summary>The <c>/v1</c> calls and functions API, and <c>/health</c>.</summary>
internal static class AdminEndpoints
{
    public static void MapAdmin(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", () => Results.Json(new { status = "ok" }));

        endpoints.MapGet("/v1/calls/{callId}", (string callId, ICallStore calls) =>
            calls.TryGet(callId, out var record) ? Results.Json(ToJson(record)) : NotFound($"no call {callId}"));

        endpoints.MapGet("/v1/calls/{callId}/log", (string callId, ICallStore calls) =>
            calls.ReadLog(callId) is { } log ? Results.Text(log, "text/plain; charset=utf-8") : NotFound($"no call {callId}"));

        endpoints.MapGet("/v1/functions", (IFunctionRegistry registry) => Results.Json(new
        {
            functions = registry.All.OrderBy(f => f.App, StringComparer.Ordinal).ThenBy(f => f.Route, StringComparer.Ordinal).Select(f => new
            {
                app = f.App,
                name = f.Name,
                route = f.Route,
                path = $"/r/{f.App}{f.Route}",
                format = FunctionFormats.Of(f.Format).Name,
                file = f.SourceFile,
            }),
            errors = registry.Errors.Select(e => new { file = e.File, key = e.Key, line = e.Line, message = e.Message }),
        }));
    }

    private static IResult NotFound(string message) =>
        Results.Json(new { error = new { message } }, statusCode: StatusCodes.Status404NotFound);

    private static object ToJson(CallRecord r) => new
    {
        call_id = r.CallId,
        app = r.App,
        function = r.Function,
        route = r.Route,
        status = r.Status.ToString().ToLowerInvariant(),
        http_status = r.HttpStatus,
        started_at = r.StartedAt,
        ended_at = r.EndedAt,
        duration_ms = r.Duration?.TotalMilliseconds,
        exit_code = r.ExitCode,
        pid = r.Pid,
        error = r.Error,
    };
}
