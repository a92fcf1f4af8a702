using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Invocation;
using Microsoft.AspNetCore.Http;

namespace Fnagent.Http;

/// <summary>A call's answer written to the caller's HTTP response.</summary>
internal sealed class HttpCallResponse(HttpContext context, FunctionDefinition function, string callId) : ICallResponse
{
    // Set by the server from the framing it chooses; a function cannot dictate them.
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Upgrade", "Trailer", "Content-Length", "Content-Type",
        "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
    };

    public bool HasStarted => context.Response.HasStarted;

    public Stream Body => context.Response.Body;

    public async ValueTask StartAsync(FunctionResponse head, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = head.StatusCode;
        AddRouteHeaders(response);
        foreach (var (name, values) in head.Headers)
        {
            if (!NotForwarded.Contains(name))
            {
                response.Headers.Append(name, values.ToArray());
            }
        }

        // docs/protocols.md §3: the function's content type is applied last and wins.
        if (head.ContentType is { } contentType)
        {
            response.ContentType = contentType;
        }

        if (head.ContentLength is { } length)
        {
            response.ContentLength = length;
        }

        await response.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask WriteErrorAsync(FunctionError error, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = error.Status;
        response.Headers["Fn-Call-Id"] = callId;
        if (error.RetryLater)
        {
            response.Headers.RetryAfter = FunctionError.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await HttpErrors.WriteAsync(response, error, cancellationToken).ConfigureAwait(false);
    }

    public void Abort() => context.Abort();

    private void AddRouteHeaders(HttpResponse response)
    {
        foreach (var (name, value) in function.Headers)
        {
            response.Headers[name] = value;
        }

        response.Headers["Fn-Call-Id"] = callId;
    }
}
