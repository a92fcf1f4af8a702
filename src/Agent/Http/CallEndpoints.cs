using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Invocation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Fnagent.Http;

/// <summary>
/// The three ways to call a function, every method translated to a call and back:
/// <c>/r/{app}/{**route}</c>, Fn's HTTP triggers <c>/t/{app}/{**source}</c> and Fn's
/// <c>POST /invoke/{fn_id}</c>. Same formats, limits and errors for all three.
/// </summary>
internal static class CallEndpoints
{
    public static void MapCalls(this IEndpointRouteBuilder endpoints)
    {
        // Singletons, resolved once: a call needs no request scope of its own.
        var services = endpoints.ServiceProvider;
        var registry = services.GetRequiredService<IFunctionRegistry>();
        var options = services.GetRequiredService<AgentOptions>();
        var invoker = services.GetRequiredService<FunctionInvoker>();
        var asyncCalls = services.GetRequiredService<AsyncCalls>();
        var auth = services.GetRequiredService<AdminAuth>();
        endpoints.Map("/r/{app}/{**route}", context =>
        {
            var (app, route) = ((string)context.Request.RouteValues["app"]!, "/" + (context.Request.RouteValues["route"] as string ?? ""));
            return registry.TryFind(app, route, out var function)
                ? HandleAsync(context, function, options, invoker, asyncCalls, auth)
                : NotFoundAsync(context, $"no function at /r/{app}{route}");
        });
        endpoints.Map("/t/{app}/{**source}", context =>
        {
            var (app, source) = ((string)context.Request.RouteValues["app"]!, "/" + (context.Request.RouteValues["source"] as string ?? ""));
            return registry.TryFindTrigger(app, source, out var function)
                ? HandleAsync(context, function, options, invoker, asyncCalls, auth)
                : NotFoundAsync(context, $"no trigger at /t/{app}{source}");
        });
        endpoints.MapPost("/invoke/{fnId}", context =>
        {
            var id = (string)context.Request.RouteValues["fnId"]!;
            // A Sonr function is called with its controller's DID only (docs/protocols.md §9).
            return registry.TryFindById(id, out var function) && function.Sonr is null
                ? HandleAsync(context, function, options, invoker, asyncCalls, auth)
                : NotFoundAsync(context, $"no function with id {id}");
        });
    }

    private static Task NotFoundAsync(HttpContext context, string message) =>
        HttpErrors.WriteAsync(context.Response, new FunctionError(FunctionErrorKind.NotFound, message), context.RequestAborted);

    private static async Task HandleAsync(HttpContext context, FunctionDefinition function, AgentOptions options, FunctionInvoker invoker,
        AsyncCalls asyncCalls, AdminAuth auth)
    {
        // auth: token (the function's, else its app's): the admin token, or the same 401 as the admin API's.
        if (function.Auth == CallAuth.Token && !auth.IsAuthorized(context.Request))
        {
            await auth.WriteUnauthorizedAsync(context.Response);
            return;
        }

        if (!function.HasCode)
        {
            await HttpErrors.WriteAsync(context.Response, StatusCodes.Status503ServiceUnavailable,
                $"function {function.App}/{function.Name} has no code yet: upload it with PUT /v2/fns/{function.Id}/code", context.RequestAborted);
            return;
        }

        if (!TryReadInvokeType(context.Request, function, out var detached))
        {
            await HttpErrors.WriteAsync(context.Response, StatusCodes.Status400BadRequest,
                $"header {AsyncHeader}: expected \"sync\" or \"detached\", got \"{context.Request.Headers[AsyncHeader]}\"", context.RequestAborted);
            return;
        }

        // CallerBodyStream counts the limit on the decoded body: Kestrel's count would include
        // a chunked body's framing. A Content-Length over the limit is refused below.
        var limit = detached ? options.Limits.MaxAsyncBodyBytes : options.Limits.MaxRequestBodyBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        var request = invoker.NewRequest(function, context.Request.Method, context.Request.GetEncodedUrl(),
            context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString,
            CopyHeaders(context.Request.Headers, function.Auth == CallAuth.Token || auth.IsAuthorized(context.Request)), context.Request.ContentLength,
            new CallerBodyStream(context.Request.Body, limit, context.Request.ContentLength, context.RequestAborted));
        var response = new HttpCallResponse(context, function, request.CallId);
        if (context.Request.ContentLength > limit)
        {
            await response.WriteErrorAsync(detached ? AsyncCalls.TooLarge(limit) : new FunctionError(FunctionErrorKind.RequestTooLarge,
                $"request body too large (limit {limit} bytes)"), context.RequestAborted);
            return;
        }

        if (detached)
        {
            await AcceptAsync(context, function, request, response, asyncCalls);
            return;
        }

        await invoker.InvokeAsync(function, request, response, context.RequestAborted);
    }

    /// <summary>The header with which a caller asks for an async call of any function, as today's Fn clients send it.</summary>
    private const string AsyncHeader = "Fn-Invoke-Type";

    /// <summary>
    /// Whether the call is async: as the caller asks (<c>Fn-Invoke-Type: detached</c> or
    /// <c>sync</c>), else as the function's <c>type</c> says; false for a value that is neither.
    /// </summary>
    private static bool TryReadInvokeType(HttpRequest request, FunctionDefinition function, out bool detached)
    {
        detached = function.Type == FunctionType.Async;
        if (!request.Headers.TryGetValue(AsyncHeader, out var values))
        {
            return true;
        }

        var value = values.ToString();
        detached = value.Equals("detached", StringComparison.OrdinalIgnoreCase);
        return detached || value.Equals("sync", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>202 with the call's id and where to read it, once the call is stored (docs/protocols.md §10).</summary>
    internal static async Task AcceptAsync(HttpContext context, FunctionDefinition function, FunctionRequest request, HttpCallResponse response,
        AsyncCalls asyncCalls, Action<State.DatabaseWrite>? also = null)
    {
        var (callId, error) = await asyncCalls.AcceptAsync(function, request, context.RequestAborted, also);
        if (error is not null)
        {
            await response.WriteErrorAsync(error, context.RequestAborted);
            return;
        }

        var answer = context.Response;
        answer.StatusCode = StatusCodes.Status202Accepted;
        answer.Headers["Fn-Call-Id"] = callId;
        answer.Headers.Location = "/v1/calls/" + callId;
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Api.AsyncAccepted(callId!), Api.ApiJsonContext.Answers.AsyncAccepted);
        answer.ContentType = "application/json";
        answer.ContentLength = body.Length;
        await answer.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>
    /// The caller's headers for the function; without <c>Authorization</c> when it holds the
    /// admin token (always, for <c>auth: token</c>): the token is the agent's, not the function's,
    /// whoever sent it (a CLI with FNAGENT_TOKEN set sends it on every call).
    /// </summary>
    private static FunctionHeaders CopyHeaders(IHeaderDictionary source, bool withoutToken)
    {
        var headers = new FunctionHeaders();
        foreach (var (name, values) in source)
        {
            if (withoutToken && name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var value in values)
            {
                headers.Add(name, value ?? "");
            }
        }

        return headers;
    }
}
