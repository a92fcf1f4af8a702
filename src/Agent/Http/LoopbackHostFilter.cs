using System.Net;
using Microsoft.AspNetCore.Http;

namespace Fnagent.Http;

/// <summary>
/// Keeps web pages out of an agent listening on a loopback address. A request that arrived
/// on a loopback address is answered only when its <c>Host</c> is a loopback name or
/// address (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>, with any port) or an allowed
/// host (421 otherwise), and when it carries an <c>Origin</c> (a browser's cross-site
/// request) only if that origin's host passes the same test (403 otherwise).
/// </summary>
/// <remarks>
/// The bugs it guards against: any page the user visits could make the browser POST to
/// <c>http://127.0.0.1:8080/r/...</c> (the browser sends its page's <c>Origin</c>), or make
/// a name of its own resolve to 127.0.0.1 (DNS rebinding; the browser then sends that
/// name as <c>Host</c>) and read the answers too. Neither needs anything but a visit.
/// Clients that are not browsers (curl, the FDKs, functions calling the Direktiv log
/// endpoint as <c>localhost:8889</c>) send a loopback <c>Host</c> and no <c>Origin</c>.
/// Requests over a non-loopback address or a Unix socket pass untouched: whoever binds the
/// agent to a network address has chosen who may reach it.
/// Per request: two header reads and a comparison, no allocation for a loopback host.
/// Thread-safe: immutable.
/// </remarks>
internal sealed class LoopbackHostFilter
{
    private readonly string[] _allowed;
    private readonly bool _anyHost;

    /// <param name="allowedHosts">More host names (no port) to accept, separated by commas; <c>*</c> accepts any.</param>
    public LoopbackHostFilter(string? allowedHosts)
    {
        _allowed = (allowedHosts ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _anyHost = _allowed.Contains("*");
    }

    /// <summary>The middleware: <paramref name="next"/> for an accepted request, else the error.</summary>
    public RequestDelegate Wrap(RequestDelegate next) => context =>
    {
        if (_anyHost || context.Connection.LocalIpAddress is not { } local || !IPAddress.IsLoopback(local))
        {
            return next(context);
        }

        var headers = context.Request.Headers;
        string host = headers.Host.ToString();
        if (host.Length > 0 && !IsAccepted(HostPart(host)))
        {
            return RejectAsync(context, StatusCodes.Status421MisdirectedRequest,
                $"host '{host}' is not served here: this agent listens on a loopback address and answers only requests to localhost, 127.0.0.1 or [::1] (more with serve --allowed-hosts or FNAGENT_AllowedHosts)");
        }

        var origin = headers.Origin.ToString();
        if (origin.Length > 0 && !IsAccepted(OriginHost(origin)))
        {
            return RejectAsync(context, StatusCodes.Status403Forbidden,
                $"requests from web pages of '{origin}' are refused: this agent listens on a loopback address and answers pages of localhost, 127.0.0.1 or [::1] only (more with serve --allowed-hosts or FNAGENT_AllowedHosts)");
        }

        return next(context);
    };

    /// <summary>Whether <paramref name="host"/> (no port; brackets kept around IPv6) is a loopback name or address, or allowed.</summary>
    public bool IsAccepted(ReadOnlySpan<char> host)
    {
        if (IsLoopbackHost(host))
        {
            return true;
        }

        foreach (var allowed in _allowed)
        {
            if (host.Equals(allowed, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="host"/> (no port; brackets kept around IPv6) is a loopback name
    /// or address: <c>localhost</c>, 127.0.0.0/8 or <c>[::1]</c>. Also how Http.AdminAuth tells
    /// whether every address the agent listens on is a loopback one.
    /// </summary>
    public static bool IsLoopbackHost(ReadOnlySpan<char> host)
    {
        if (host.Equals("127.0.0.1", StringComparison.Ordinal) || host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.Equals("[::1]", StringComparison.Ordinal))
        {
            return true;
        }

        var literal = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        return (host.StartsWith("127.") || literal.Length < host.Length) && IPAddress.TryParse(literal, out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>The host of a <c>Host</c> header: without its port, brackets kept.</summary>
    private static ReadOnlySpan<char> HostPart(ReadOnlySpan<char> host)
    {
        if (host.StartsWith("["))
        {
            var close = host.IndexOf(']');
            return close < 0 ? host : host[..(close + 1)];
        }

        var colon = host.IndexOf(':');
        return colon < 0 ? host : host[..colon];
    }

    /// <summary>The host of an <c>Origin</c> (<c>scheme://host[:port]</c>); empty (never accepted) for <c>null</c> and the like.</summary>
    private static ReadOnlySpan<char> OriginHost(ReadOnlySpan<char> origin)
    {
        var scheme = origin.IndexOf("://");
        if (scheme < 0)
        {
            return [];
        }

        var authority = origin[(scheme + 3)..];
        var slash = authority.IndexOf('/');
        return HostPart(slash < 0 ? authority : authority[..slash]);
    }

    private static Task RejectAsync(HttpContext context, int status, string message)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        // The agent's one error shape; the kind only matters for a call's status, set above.
        var body = new Invocation.FunctionError(Invocation.FunctionErrorKind.NotFound, message).ToJson();
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
