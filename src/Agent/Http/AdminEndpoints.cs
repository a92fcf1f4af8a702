using Fnagent.Api;
using Fnagent.Functions;
using Fnagent.Invocation;
using Fnagent.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Fnagent.Http;

/// <summary>The <c>/v1</c> calls and functions API, and <c>/health</c>; their shapes are the types of <see cref="Fnagent.Api"/>.</summary>
internal static class AdminEndpoints
{
    private static readonly IResult Healthy = Results.Json(new HealthAnswer("ok"), ApiJsonContext.Answers.HealthAnswer);

    public static void MapAdmin(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", () => Healthy)
            .WithSummary("The agent serves").Produces<HealthAnswer>();

        endpoints.MapGet("/v1/calls", (HttpRequest request, ICallStore calls) =>
        {
            if (!CallQueryParser.TryParse(request.Query, out var query, out var problem))
            {
                return Results.Json(new ErrorAnswer(new ErrorDetail(problem!)), ApiJsonContext.Answers.ErrorAnswer, statusCode: StatusCodes.Status400BadRequest);
            }

            var page = calls.List(query);
            return Results.Json(new CallListing(page.Calls.Select(ToSummary).ToList(), page.NextCursor), ApiJsonContext.Answers.CallListing);
        })
            .WithSummary("Calls, newest first, a page at a time")
            .WithDescription("Query: app, fn, status (queued, running, success, error, timeout, cancelled), since and until (ISO 8601, the call's arrival), limit (1-1000, default 50), cursor (the next_cursor of the page before).")
            .Produces<CallListing>().Produces<ErrorAnswer>(StatusCodes.Status400BadRequest);

        endpoints.MapGet("/v1/calls/{callId}", (string callId, ICallStore calls) =>
            calls.TryGet(callId, out var record) ? Results.Json(ToSummary(record), ApiJsonContext.Answers.CallSummary) : NotFound($"no call {callId}"))
            .WithSummary("One call's record").Produces<CallSummary>().Produces<ErrorAnswer>(StatusCodes.Status404NotFound);

        endpoints.MapGet("/v1/calls/{callId}/log", (string callId, ICallStore calls) =>
            calls.ReadLog(callId) is { } log ? Results.Text(log, "text/plain; charset=utf-8") : NotFound($"no call {callId}"))
            .WithSummary("One call's log: what its function wrote to stderr while it served the call")
            .Produces<string>(contentType: "text/plain").Produces<ErrorAnswer>(StatusCodes.Status404NotFound);

        // An async call's output as the function gave it: its content type, the bytes kept,
        // the status a sync caller would have got (docs/protocols.md §10); 404 until it ended.
        endpoints.MapGet("/v1/calls/{callId}/output", (string callId, HttpResponse response, ICallStore calls, AsyncCalls async) =>
        {
            if (!calls.TryGet(callId, out var record))
            {
                return NotFound($"no call {callId}");
            }

            if (async.ReadOutput(callId) is not { } output)
            {
                return NotFound(record.Type == "async" ? $"call {callId} has not ended yet" : $"call {callId} is not an async call; its caller got its output");
            }

            response.Headers["Fn-Http-Status"] = (record.HttpStatus ?? 200).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (output.Total > output.Bytes.Length)
            {
                response.Headers["Fn-Output-Total"] = output.Total.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return Results.Bytes(output.Bytes, output.ContentType ?? "application/octet-stream");
        })
            .WithSummary("An ended async call's output, with the function's content type")
            .WithDescription("Headers: Fn-Http-Status, the status a sync caller would have got; Fn-Output-Total, the whole size when only the first bytes were kept.")
            .Produces<byte[]>(contentType: "application/octet-stream").Produces<ErrorAnswer>(StatusCodes.Status404NotFound);

        endpoints.MapGet("/v1/functions", (IFunctionRegistry registry) => Results.Json(ToListing(registry), ApiJsonContext.Answers.FunctionListing))
            .WithSummary("The functions served, and the func.yml files that failed to load").Produces<FunctionListing>();
    }

    private static IResult NotFound(string message) =>
        Results.Json(new ErrorAnswer(new ErrorDetail(message)), ApiJsonContext.Answers.ErrorAnswer, statusCode: StatusCodes.Status404NotFound);

    private static FunctionListing ToListing(IFunctionRegistry registry) => new(
        registry.All.OrderBy(f => f.App, StringComparer.Ordinal).ThenBy(f => f.Route, StringComparer.Ordinal)
            .Select(f => new ListedFunction(f.App, f.Name, f.Route, $"/r/{f.App}{f.Route}", FunctionFormats.Of(f.Format).Name, f.SourceFile, f.Id, f.Notes))
            .ToList(),
        registry.Errors.Select(e => new FunctionProblem(e.File, e.Key, e.Line, e.Message)).ToList());

    private static CallSummary ToSummary(CallRecord r) => new(
        r.CallId, r.App, r.Function, r.Route, r.Type, CallRows.StatusName(r.Status), r.HttpStatus,
        r.StartedAt, r.EndedAt, r.Duration?.TotalMilliseconds, r.ExitCode, r.Pid, r.Error, r.QueueWait?.TotalMilliseconds, r.Cold,
        r.Callback is { } c ? new CallbackSummary(c.Url, c.State, c.Attempts, c.LastStatus, c.LastError) : null);
}
