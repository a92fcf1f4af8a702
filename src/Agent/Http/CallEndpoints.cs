using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Invocation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Fnagent.Http;

/// <summary><c>/r/{app}/{**route}</c>: every method, translated to a call and back.</summary>
internal static class CallEndpoints
{
    public static void MapCalls(this IEndpointRouteBuilder endpoints)
    {
        // Singletons, resolved once: a call needs no request scope of its own.
        var services = endpoints.ServiceProvider;
        var registry = services.GetRequiredService<IFunctionRegistry>();
        var options = services.GetRequiredService<AgentOptions>();
        var invoker = services.GetRequiredService<FunctionInvoker>();
        endpoints.Map("/r/{app}/{**route}", context => HandleAsync(context, registry, options, invoker));
    }

    private static async Task HandleAsync(HttpContext context, IFunctionRegistry registry, AgentOptions options, FunctionInvoker invoker)
    {
        var app = (string)context.Request.RouteValues["app"]!;
        var route = "/" + (context.Request.RouteValues["route"] as string ?? "");
        if (!registry.TryFind(app, route, out var function))
        {
            await HttpErrors.WriteAsync(context.Response,
                new FunctionError(FunctionErrorKind.NotFound, $"no function at /r/{app}{route}"), context.RequestAborted);
            return;
        }

        // CallerBodyStream counts the limit on the decoded body: Kestrel's count would include
        // a chunked body's framing. A Content-Length over the limit is refused below.
        var limit = options.Limits.MaxRequestBodyBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        var request = invoker.NewRequest(function, context.Request.Method, context.Request.GetEncodedUrl(),
            context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString,
            CopyHeaders(context.Request.Headers), context.Request.ContentLength,
            new CallerBodyStream(context.Request.Body, limit, context.Request.ContentLength, context.RequestAborted));
        var response = new HttpCallResponse(context, function, request.CallId);
        if (context.Request.ContentLength > limit)
        {
            await response.WriteErrorAsync(new FunctionError(FunctionErrorKind.RequestTooLarge,
                $"request body too large (limit {limit} bytes)"), context.RequestAborted);
            return;
        }

        await invoker.InvokeAsync(function, request, response, context.RequestAborted);
    }

    private static FunctionHeaders CopyHeaders(IHeaderDictionary source)
    {
        var headers = new FunctionHeaders();
        foreach (var (name, values) in source)
        {
            foreach (var value in values)
            {
                headers.Add(name, value ?? "");
            }
        }

        return headers;
    }
}
