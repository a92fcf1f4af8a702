using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Invocation;
using Fnagent.Sonr;
using Fnagent.State;
using Fnagent.State.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Fnagent.Http;

/// <summary>
/// Sonr's deployable functions over HTTP (docs/protocols.md §9): <c>GET</c> or <c>POST
/// /v1/functions/{name}/{did}/{cid}</c> runs the named function on the content of the CID.
/// Without a callback its output is the response; with one the caller gets 202 and the call's
/// id, and the output goes to the callback (<see cref="CallbackSender"/>). Open like calls.
/// </summary>
internal static class SonrEndpoints
{
    /// <summary>The route of a call, as the admin lock leaves it open (<see cref="AdminAuth"/>).</summary>
    public const string Pattern = "/v1/functions/{name}/{did}/{cid}";

    public static void MapSonr(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        var registry = services.GetRequiredService<IFunctionRegistry>();
        var inputs = services.GetRequiredService<SonrInputs>();
        var invoker = services.GetRequiredService<FunctionInvoker>();
        var asyncCalls = services.GetRequiredService<AsyncCalls>();
        // A Delegate, not a RequestDelegate: its builder can describe its answers.
        endpoints.MapMethods(Pattern, [HttpMethods.Get, HttpMethods.Post], (Func<HttpContext, Task>)(context =>
        {
            // The raw target: the same string an async call keeps and reads again when it runs.
            var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString;
            return SonrCall.Read(registry, target, out var status, out var problem) is { } call
                ? CallAsync(context, call, target, inputs, invoker, asyncCalls)
                : HttpErrors.WriteAsync(context.Response, status, problem!, context.RequestAborted);
        })).WithSummary("Runs a Sonr function on the content of a CID: its output, or 202 and the call id when it has a callback")
            .Produces(StatusCodes.Status200OK).Produces<Api.AsyncAccepted>(StatusCodes.Status202Accepted)
            .Produces<Api.ErrorAnswer>(StatusCodes.Status400BadRequest).Produces<Api.ErrorAnswer>(StatusCodes.Status403Forbidden)
            .Produces<Api.ErrorAnswer>(StatusCodes.Status404NotFound);
    }

    private static async Task CallAsync(HttpContext context, SonrCall call, string target, SonrInputs inputs, FunctionInvoker invoker, AsyncCalls asyncCalls)
    {
        var function = call.Function;
        var url = context.Request.GetEncodedUrl();
        if (function.Sonr!.Callback is { } callback)
        {
            if (!inputs.Holds(call.Content))
            {
                await HttpErrors.WriteAsync(context.Response, StatusCodes.Status404NotFound, $"the content store has no blob {call.Content}", context.RequestAborted);
                return;
            }

            // The input is read when the call runs; the callback is committed with the call.
            var accepted = invoker.NewRequest(function, context.Request.Method, url, target, new FunctionHeaders(), 0, Stream.Null);
            await CallEndpoints.AcceptAsync(context, function, accepted, new HttpCallResponse(context, function, accepted.CallId), asyncCalls,
                write => CallbackQueue.Add(write, accepted.CallId, callback, call.Content.Text));
            return;
        }

        CallInput? input;
        FunctionError? error;
        try
        {
            (input, error) = await inputs.OpenAsync(call, context.RequestAborted);
        }
        catch (BlobCorruptException e)
        {
            await HttpErrors.WriteAsync(context.Response, StatusCodes.Status500InternalServerError, e.Message, context.RequestAborted);
            return;
        }

        if (error is not null)
        {
            await HttpErrors.WriteAsync(context.Response, error, context.RequestAborted);
            return;
        }

        await using (input)
        {
            // The function's input is the content: the caller's headers and body are not its.
            var request = invoker.NewRequest(function, context.Request.Method, url, target, new FunctionHeaders(), input!.Length, input.Body);
            await invoker.InvokeAsync(function, request, new HttpCallResponse(context, function, request.CallId), context.RequestAborted,
                additions: input.Additions);
        }
    }
}
