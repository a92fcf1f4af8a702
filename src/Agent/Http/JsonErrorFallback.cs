using Microsoft.AspNetCore.Http;

namespace Fnagent.Http;

/// <summary>
/// Gives the agent's own answers that no endpoint writes the one error shape
/// (docs/protocols.md §7): a 404 for a path no endpoint matches, and a JSON body for the
/// empty error answers of routing (405 for a known path with another method, its
/// <c>Allow</c> header kept) and of the <c>/v1</c> endpoints (a 400 from parameter binding);
/// an exception of one of those becomes a 500 with the same shape.
/// </summary>
/// <remarks>
/// Calls at <c>/r/</c> and <c>/t/</c> (every method) pass straight through (their endpoint answers every failure
/// itself): no await, no allocation on the call path. Thread-safe: stateless.
/// </remarks>
internal static class JsonErrorFallback
{
    public static RequestDelegate Wrap(RequestDelegate next) => context =>
    {
        if (context.GetEndpoint() is null)
        {
            return HttpErrors.WriteAsync(context.Response, StatusCodes.Status404NotFound,
                $"nothing is served at {context.Request.Path}: functions are at /r/<app>/<route>, /t/<app>/<trigger> and /invoke/<fn_id>, the API at /v1 and /v2", context.RequestAborted);
        }

        var path = context.Request.Path;
        // Not /invoke: it takes POST only, and routing's 405 for another method has no body.
        return path.StartsWithSegments("/r") || path.StartsWithSegments("/t") ? next(context) : AnswerEmptyErrorsAsync(context, next);
    };

    private static async Task AnswerEmptyErrorsAsync(HttpContext context, RequestDelegate next)
    {
        var response = context.Response;
        try
        {
            await next(context);
        }
        catch (Exception e) when (!response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Fnagent.Http").AdminRequestFailed(e, context.Request.Method, context.Request.Path.Value);
            response.Clear();
            await HttpErrors.WriteAsync(response, StatusCodes.Status500InternalServerError, "the agent failed to answer this request; its log says why", context.RequestAborted);
            return;
        }

        if (response.HasStarted || response.StatusCode < 400 || response.ContentLength > 0)
        {
            return;
        }

        var message = response.StatusCode switch
        {
            StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed at {context.Request.Path} (allowed: {response.Headers.Allow})",
            StatusCodes.Status400BadRequest => $"bad request to {context.Request.Path}",
            StatusCodes.Status404NotFound => $"nothing is served at {context.Request.Path}",
            _ => $"request to {context.Request.Path} failed",
        };
        await HttpErrors.WriteAsync(response, response.StatusCode, message, context.RequestAborted);
    }
}
