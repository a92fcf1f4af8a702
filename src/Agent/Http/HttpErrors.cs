using Fnagent.Invocation;
using Microsoft.AspNetCore.Http;

namespace Fnagent.Http;

/// <summary>Writes the one error shape callers see (docs/protocols.md §7).</summary>
internal static class HttpErrors
{
    public static Task WriteAsync(HttpResponse response, FunctionError error, CancellationToken cancellationToken) =>
        WriteAsync(response, error.Status, error.ToJson(), cancellationToken);

    /// <summary>An answer of the agent's own that no <see cref="FunctionErrorKind"/> names (405, a routing 400).</summary>
    public static Task WriteAsync(HttpResponse response, int status, string message, CancellationToken cancellationToken) =>
        WriteAsync(response, status, new FunctionError(FunctionErrorKind.NotFound, message).ToJson(), cancellationToken);

    private static Task WriteAsync(HttpResponse response, int status, byte[] body, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, cancellationToken).AsTask();
    }
}
