using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Fnagent.Http;

/// <summary>
/// The admin API's lock: every request to a path under <c>/v1/</c> or <c>/v2/</c> must carry
/// <c>Authorization: Bearer &lt;effective token&gt;</c>, unless the admin API is open (every
/// address the agent listens on is a loopback one and no <c>AdminToken</c> is set: local
/// development as before). Function calls (<c>/r/</c>), <c>/health</c> and the docs
/// (<c>/openapi</c>, <c>/scalar</c>) are never locked here.
/// </summary>
/// <remarks>
/// At start (the constructor):
/// 1. <c>&lt;data&gt;/admin-token</c> is made when missing (<see cref="AdminTokenFile"/>).
/// 2. The effective token is <c>AdminToken</c> when set, else that file's; only its SHA-256
///    digest is kept.
/// 3. An address that is not loopback (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>, a
///    network address or name, a Unix socket) without <c>AdminToken</c> refuses the start.
/// Per request (<see cref="Wrap"/>): admin is told by the path (case-insensitive, leading
/// slashes skipped, as routing would match it) or by the endpoint routing chose (its pattern
/// starts with a <c>v1</c> or <c>v2</c> segment), so no spelling that routes to an admin
/// endpoint gets past. When the API is open, a request that still arrived on a non-loopback
/// address (an endpoint configured outside <c>Urls</c>) needs the token, and so does one from
/// a socket of the user functions run as (a function calling its agent). A missing and a
/// wrong token get the same 401. Tokens are compared as SHA-256 digests with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>: neither content nor length leaks
/// through timing. The call path pays two span checks and a pattern read, no allocation.
/// Thread-safe: immutable after construction.
/// </remarks>
internal sealed class AdminAuth
{
    public const int MinimumTokenLength = 16;

    private const string UnauthorizedMessage = "authentication required: send Authorization: Bearer <admin token>";

    private static readonly byte[] UnauthorizedBody = new Invocation.FunctionError(Invocation.FunctionErrorKind.NotFound, UnauthorizedMessage).ToJson();

    private readonly byte[] _tokenDigest;

    // The user functions run as, or null for the agent's own (not root: it cannot tell them apart).
    private readonly int? _functionUid;

    public AdminAuth(AgentOptions options, ILogger<AdminAuth> logger)
    {
        // Step 1.
        TokenFile = AdminTokenFile.PathIn(options.DataDirectory);
        var fileToken = AdminTokenFile.Ensure(TokenFile, logger);

        // Step 2.
        // Names beside the loopback ones (AllowedHosts) mean a proxy brings others to this
        // loopback agent: to them the admin API is not local, so it asks for the token.
        var configured = options.AdminToken is not null;
        TokenRequired = configured || !string.IsNullOrWhiteSpace(options.AllowedHosts);
        _tokenDigest = SHA256.HashData(Encoding.UTF8.GetBytes(options.AdminToken ?? fileToken));
        _functionUid = options.User?.Uid;

        // Step 3.
        foreach (var url in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!configured && !IsLoopbackUrl(url))
            {
                throw AdminTokenFile.Problem(
                    $"listening on {url} exposes the admin API (/v1, /v2) to whoever can reach that address; set FNAGENT_AdminToken (for example FNAGENT_AdminToken=$(cat {TokenFile})), or listen on 127.0.0.1",
                    nameof(AgentOptions.Urls));
            }
        }
    }

    /// <summary>
    /// Whether admin requests need the token: <c>AdminToken</c> is set, or <c>AllowedHosts</c>
    /// is (a proxy in front; then the token file's unless <c>AdminToken</c> is set). Without
    /// either the agent only starts on loopback addresses, open.
    /// </summary>
    public bool TokenRequired { get; }

    /// <summary>Where the agent's own token is kept (the effective one unless <c>AdminToken</c> is set).</summary>
    public string TokenFile { get; }

    /// <summary>
    /// Whether <paramref name="request"/> carries exactly one <c>Authorization</c> header,
    /// <c>Bearer</c> (any case) with the effective token, whether or not the admin API is open.
    /// No allocation for a token of up to 170 characters.
    /// </summary>
    public bool IsAuthorized(HttpRequest request)
    {
        var values = request.Headers.Authorization;
        if (values.Count != 1 || values[0] is not { } header)
        {
            return false;
        }

        var value = header.AsSpan();
        if (value.Length <= 7 || !value[..6].Equals("Bearer", StringComparison.OrdinalIgnoreCase) || value[6] != ' ')
        {
            return false;
        }

        var token = value[7..].TrimStart(' ');
        var size = Encoding.UTF8.GetMaxByteCount(token.Length);
        byte[]? rented = null;
        var bytes = size <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(size));
        try
        {
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes[..Encoding.UTF8.GetBytes(token, bytes)], digest);
            return CryptographicOperations.FixedTimeEquals(digest, _tokenDigest);
        }
        finally
        {
            if (rented is not null)
            {
                CryptographicOperations.ZeroMemory(rented);
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The 401 every refused request gets, missing or wrong token alike, with <c>WWW-Authenticate: Bearer</c>.</summary>
    public Task WriteUnauthorizedAsync(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.Headers.WWWAuthenticate = "Bearer";
        response.ContentType = "application/json";
        response.ContentLength = UnauthorizedBody.Length;
        return response.Body.WriteAsync(UnauthorizedBody, response.HttpContext.RequestAborted).AsTask();
    }

    /// <summary>The middleware: placed after routing chose the endpoint, before any endpoint runs.</summary>
    public RequestDelegate Wrap(RequestDelegate next) => context =>
    {
        if ((!IsAdminPath(context.Request.Path.Value) && !IsAdminEndpoint(context.GetEndpoint())) || IsOpenSonrPath(context))
        {
            return next(context);
        }

        var open = !TokenRequired && context.Connection.LocalIpAddress is { } local && IPAddress.IsLoopback(local) && !FromAFunction(context.Connection);
        return open || IsAuthorized(context.Request) ? next(context) : WriteUnauthorizedAsync(context.Response);
    };

    // A function shares the host's network (network: host): on loopback it reaches the open
    // admin API like its operator, and through it builds that run as the agent. Its
    // connections are its user's; they need the token (see LoopbackPeer).
    // A connection whose owner cannot be found counts as a function's: the lock must not
    // open by a miss.
    private bool FromAFunction(ConnectionInfo connection) =>
        _functionUid is { } functions && (connection is not { RemoteIpAddress: { } remote, LocalIpAddress: { } local }
            || LoopbackPeer.Uid(new IPEndPoint(remote, connection.RemotePort), new IPEndPoint(local, connection.LocalPort)) is not { } owner
            || owner == functions);

    // Sonr's calls and its content store are open like calls (docs/protocols.md §9: anyone
    // stores content and names it by its CID; a call names its controller's DID): storing,
    // reading and calling; removing a blob stays the admin's, as does the registry.
    private static bool IsOpenSonrPath(HttpContext context) =>
        context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern }
        && (pattern == SonrEndpoints.Pattern || (!HttpMethods.IsDelete(context.Request.Method) && pattern.StartsWith("/v1/blobs", StringComparison.Ordinal)));

    /// <summary>At least <see cref="MinimumTokenLength"/> characters, each printable ASCII other than space.</summary>
    public static bool IsUsableToken(string token) =>
        token.Length >= MinimumTokenLength && !token.AsSpan().ContainsAnyExceptInRange('!', '~');

    /// <summary>Whether a request path is the admin API's: its first segment (after any run of slashes) is <c>v1</c> or <c>v2</c>, any case.</summary>
    internal static bool IsAdminPath(ReadOnlySpan<char> path)
    {
        path = path.TrimStart('/');
        var end = path.IndexOf('/');
        return IsAdminSegment(end < 0 ? path : path[..end]);
    }

    private static bool IsAdminEndpoint(Endpoint? endpoint) =>
        endpoint is RouteEndpoint { RoutePattern.PathSegments: [{ Parts: [RoutePatternLiteralPart first, ..] }, ..] } && IsAdminSegment(first.Content);

    private static bool IsAdminSegment(ReadOnlySpan<char> segment) =>
        segment.Equals("v1", StringComparison.OrdinalIgnoreCase) || segment.Equals("v2", StringComparison.OrdinalIgnoreCase);

    private static bool IsLoopbackUrl(string url)
    {
        var address = BindingAddress.Parse(url);
        return !address.IsUnixPipe && LoopbackHostFilter.IsLoopbackHost(address.Host);
    }
}
