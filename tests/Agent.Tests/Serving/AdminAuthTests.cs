using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Fnagent.Agent.Tests.Support;
using Fnagent.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Fnagent.Agent.Tests.Serving;

/// <summary>
/// The admin API (every path under /v1/ and /v2/) asks for the admin token once
/// AdminToken is set, and a network address refuses to start without it; on loopback
/// without it the API stays open. Function calls, /health and the docs never ask.
/// </summary>
public sealed class AdminAuthTests(AdminAuthTests.Agents agents) : IClassFixture<AdminAuthTests.Agents>
{
    public const string Token = "test-admin-token-0123456789";

    private const string Unauthorized = """{"error":{"message":"authentication required: send Authorization: Bearer <admin token>"}}""";

    [Fact]
    public async Task EveryAdminEndpointAsksForTheTokenOnceAdminTokenIsSet()
    {
        var agent = agents.Locked;

        // Taken from the agent's own endpoints, so one added later cannot be left out.
        var admin = agent.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/v1", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("/v2", StringComparison.OrdinalIgnoreCase)))
            .ToList();
        Assert.Contains(admin, e => e.RoutePattern.RawText == "/v1/calls");
        Assert.Contains(admin, e => e.RoutePattern.RawText == "/v1/functions");
        foreach (var endpoint in admin)
        {
            var path = ConcretePath(endpoint.RoutePattern);
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                // The content store is open like calls but for removal, and so are Sonr's calls
                // (docs/protocols.md §9): ContentStoreTests, SonrRegistryTests.
                if ((path.StartsWith("/v1/blobs", StringComparison.Ordinal) && method != "DELETE") || endpoint.RoutePattern.RawText == "/v1/functions/{name}/{did}/{cid}")
                {
                    continue;
                }

                using var none = await SendAsync(agent, method, path, authorization: null);
                await AssertUnauthorizedAsync(none, $"{method} {path} without a token");
                using var wrong = await SendAsync(agent, method, path, "Bearer " + Token + "x");
                await AssertUnauthorizedAsync(wrong, $"{method} {path} with a wrong token");
                using var right = await SendAsync(agent, method, path, "Bearer " + Token);
                Assert.True(right.StatusCode != HttpStatusCode.Unauthorized, $"{method} {path} with the token: {right.StatusCode}");
            }
        }
    }

    /// <summary>What Kestrel and routing make of each spelling (seen with the API open): those marked routed reach an admin endpoint.</summary>
    [Theory]
    [InlineData("/v1/calls", true)]
    [InlineData("/V1/calls", true)]
    [InlineData("/V1/CALLS", true)]
    [InlineData("/V1/Functions", true)]
    [InlineData("/v1/calls/", true)]
    [InlineData("/v1/./calls", true)]
    [InlineData("/./v1/calls", true)]
    [InlineData("/x/../v1/calls", true)]
    [InlineData("/v1/calls/x/../../functions", true)]
    [InlineData("/%76%31/calls", true)]
    [InlineData("/%56%31/calls", true)]
    [InlineData("http://127.0.0.1/v1/calls", true)]
    [InlineData("//v1/calls", false)]
    [InlineData("///v1/calls", false)]
    [InlineData("/v1//calls", false)]
    [InlineData("/v1/calls//", false)]
    [InlineData("/%2Fv1/calls", false)]
    [InlineData("/v1%2Fcalls", false)]
    [InlineData("/v1%2f/functions", false)]
    [InlineData("/v1./calls", false)]
    [InlineData("/v1/calls.", false)]
    [InlineData("/v1;/calls", false)]
    [InlineData("/v1\\calls", false)]
    public async Task NoSpellingOfAnAdminPathGetsPastWithoutTheToken(string path, bool routed)
    {
        var (status, _, _) = await SendRawAsync(agents.Open, path, authorization: null);
        Assert.True(routed ? status == 200 : status is 404, $"open agent: {path} answered {status}");

        var locked = agents.Locked;
        var (lockedStatus, headers, body) = await SendRawAsync(locked, path, authorization: null);
        Assert.True(lockedStatus is 401 or 404, $"{path} without a token answered {lockedStatus}: {body}");
        if (routed)
        {
            Assert.Equal(401, lockedStatus);
            Assert.Equal("Bearer", headers["www-authenticate"]);
            Assert.Equal(Unauthorized, body);
        }

        var (withToken, _, _) = await SendRawAsync(locked, path, "Bearer " + Token);
        Assert.True(routed ? withToken == 200 : withToken is 404, $"{path} with the token answered {withToken}");
    }

    [Fact]
    public async Task FunctionCallsHealthAndTheDocsNeverAskForTheToken()
    {
        var agent = agents.Locked;

        using var call = await agent.Client.PostAsync("r/tests/cat", new StringContent("hi"));
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Equal("hi", await call.Content.ReadAsStringAsync());
        foreach (var path in new[] { "health", "openapi/v1.json", "scalar/" })
        {
            using var response = await agent.Client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task OnLoopbackWithoutAdminTokenTheAdminApiIsOpen()
    {
        var agent = agents.Open;

        using var response = await agent.Client.GetAsync("v1/functions");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(agent.Services.GetRequiredService<AdminAuth>().TokenRequired);
    }

    [Fact]
    public async Task WithAllowedHostsTheAdminApiAsksForTheTokenFileEvenOnLoopback()
    {
        // AllowedHosts means a proxy on this machine brings callers from elsewhere.
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, o => o.AllowedHosts = "agent.test");
        using var refused = await agent.Client.GetAsync("v1/functions");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/functions");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(agent.DataDirectory, "admin-token")).Trim());
        using var allowed = await agent.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("http://0.0.0.0:{port}")]
    [InlineData("http://[::]:{port}")]
    [InlineData("http://*:{port}")]
    [InlineData("http://+:{port}")]
    [InlineData("http://192.168.55.1:{port}")]
    [InlineData("http://agent.example:{port}")]
    [InlineData("http://127.0.0.1:0;http://0.0.0.0:{port}")]
    public async Task ANetworkAddressWithoutAdminTokenRefusesTheStart(string urls)
    {
        urls = urls.Replace("{port}", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningAgent.StartAsync(RunningAgent.TestFunctions, options => options.Urls = urls));

        var message = Assert.Single(refused.Failures);
        Assert.StartsWith($"setting Urls: listening on {urls.Split(';')[^1]} exposes the admin API", message);
        Assert.Contains("set FNAGENT_AdminToken (for example FNAGENT_AdminToken=$(cat ", message);
        Assert.Contains("/admin-token)", message);
    }

    [Theory]
    [InlineData("http://localhost:{port}")]
    [InlineData("http://127.0.0.2:{port}")]
    [InlineData("http://[::1]:{port}")]
    public async Task EveryLoopbackAddressKeepsTheAdminApiOpen(string urls)
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions,
            options => options.Urls = urls.Replace("{port}", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        Assert.False(agent.Services.GetRequiredService<AdminAuth>().TokenRequired);
    }

    [Fact]
    public async Task ANetworkAddressWithAdminTokenStartsAndAsksForIt()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, options =>
        {
            options.Urls = $"http://0.0.0.0:{FreePort()}";
            options.AdminToken = Token;
        });

        using var without = await agent.Client.GetAsync("v1/functions");
        await AssertUnauthorizedAsync(without, "without a token");
        using var with = await SendAsync(agent, "GET", "/v1/functions", "Bearer " + Token);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }

    [Theory]
    [InlineData("bearer " + Token, 200)]
    [InlineData("BEARER " + Token, 200)]
    [InlineData("Bearer   " + Token, 200)]
    [InlineData("Bearer " + Token + "\r\nAuthorization: Bearer " + Token, 401)]
    [InlineData("Basic " + Token, 401)]
    [InlineData("Bearer", 401)]
    [InlineData("Bearer ", 401)]
    [InlineData("Bearer" + Token, 401)]
    [InlineData("Bearer " + Token + " extra", 401)]
    [InlineData("Bearer test-admin-token", 401)]
    public async Task OnlyOneBearerHeaderWithTheTokenIsAccepted(string authorization, int expected)
    {
        var (status, _, body) = await SendRawAsync(agents.Locked, "/v1/functions", authorization);

        Assert.Equal(expected, status);
        if (expected == 401)
        {
            Assert.Equal(Unauthorized, body);
        }
    }

    [Fact]
    public async Task TheTokenIsCheckedForFunctionsEvenWhenTheAdminApiIsOpen()
    {
        var agent = agents.Open;
        var auth = agent.Services.GetRequiredService<AdminAuth>();
        var fileToken = (await File.ReadAllTextAsync(auth.TokenFile)).Trim();

        Assert.True(auth.IsAuthorized(Request("Bearer " + fileToken)));
        Assert.False(auth.IsAuthorized(Request("Bearer " + fileToken[..^1])));
        Assert.False(auth.IsAuthorized(Request(null)));
        Assert.False(auth.IsAuthorized(Request("Bearer " + new string('x', 100_000))));

        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        await auth.WriteUnauthorizedAsync(context.Response);
        Assert.Equal(401, context.Response.StatusCode);
        Assert.Equal("Bearer", context.Response.Headers.WWWAuthenticate.ToString());
        Assert.Equal(Unauthorized, Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray()));
    }

    [Theory]
    [InlineData("short-token")]
    [InlineData("a token with spaces in it")]
    [InlineData("t\u00f6ken-not-ascii-0123456789")]
    [InlineData("tab\tinside-the-token-0123456789")]
    [InlineData("")]
    public async Task AnAdminTokenSettingThatIsNoTokenIsRefusedWithoutShowingIt(string token)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningAgent.StartAsync(RunningAgent.TestFunctions, options => options.AdminToken = token));

        var message = Assert.Single(refused.Failures);
        Assert.StartsWith("setting AdminToken: must be at least 16 printable ASCII characters without spaces", message);
        if (token.Length > 0)
        {
            Assert.DoesNotContain(token, message);
        }
    }

    private static HttpRequest Request(string? authorization)
    {
        var context = new DefaultHttpContext();
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return context.Request;
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string what)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {response.StatusCode}");
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Unauthorized, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A path for a route pattern, each parameter filled with a sample value.</summary>
    private static string ConcretePath(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "1",
        }))));

    private static async Task<HttpResponseMessage> SendAsync(RunningAgent agent, string method, string path, string? authorization)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
        if (authorization is not null)
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }

        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        return await agent.Client.SendAsync(request);
    }

    /// <summary>A request with the path exactly as given (HttpClient would normalize it), on a connection of its own.</summary>
    private static async Task<(int Status, Dictionary<string, string> Headers, string Body)> SendRawAsync(RunningAgent agent, string path, string? authorization)
    {
        using var raw = await RawCaller.ConnectAsync(agent.Address);
        await raw.SendAsync("GET", path, authorization is null ? ["Connection: close"] : ["Connection: close", "Authorization: " + authorization]);
        return await raw.ReadResponseAsync(TimeSpan.FromSeconds(30));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One agent with the admin API open (loopback, no AdminToken), one with <see cref="Token"/> set, shared by the tests of spellings and headers.</summary>
    public sealed class Agents : IAsyncLifetime
    {
        public RunningAgent Open { get; private set; } = null!;

        public RunningAgent Locked { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Open = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
            Locked = await RunningAgent.StartAsync(RunningAgent.TestFunctions, options => options.AdminToken = Token);
        }

        public async Task DisposeAsync()
        {
            await Open.DisposeAsync();
            await Locked.DisposeAsync();
        }
    }
}
