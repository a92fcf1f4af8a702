using Fnagent.Invocation;
using Microsoft.AspNetCore.Http;

namespace Fnagent.Http;

/// <summary>Writes the one error shape callers see (docs/protocols.md §7).</summary>
internal static class HttpErrors
{
    public static Task WriteAsync(HttpResponse response, FunctionError error, CancellationToken cancellationToken)
    {
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        var body = error.ToJson();
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, cancellationToken).AsTask();
    }
}
