using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Serving;

/// <summary>
/// An agent on 127.0.0.1 answers loopback hosts only, and no web page of another origin.
/// The bugs: a page the user visits could reach the agent by DNS rebinding (its own name
/// resolving to 127.0.0.1, sent as Host) or by a plain cross-site POST (sent with its Origin).
/// </summary>
public sealed class LoopbackHostTests(Cold.ColdFixture fixture) : IClassFixture<Cold.ColdFixture>
{
    [Theory]
    [InlineData("rebind.attacker.example")]
    [InlineData("rebind.attacker.example:8080")]
    [InlineData("127.0.0.1.nip.io")]
    [InlineData("10.0.0.5")]
    public async Task ForeignHostIsMisdirected(string host)
    {
        var agent = fixture.Agent;

        using var response = await SendAsync(agent, HttpMethod.Post, "r/tests/cat", host: host);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.Contains("is not served here", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST:{port}")]
    [InlineData("127.0.0.1:{port}")]
    [InlineData("127.1.2.3:{port}")]
    [InlineData("[::1]:{port}")]
    public async Task LoopbackHostsAreServed(string host)
    {
        var agent = fixture.Agent;

        using var response = await SendAsync(agent, HttpMethod.Post, "r/tests/cat", host: host.Replace("{port}", agent.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)), body: "hi");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hi", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("https://attacker.example")]
    [InlineData("null")]
    public async Task CrossSitePostIsForbidden(string origin)
    {
        var agent = fixture.Agent;

        using var response = await SendAsync(agent, HttpMethod.Post, "r/tests/cat", origin: origin);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("\"error\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PageOfLocalhostMayCall()
    {
        var agent = fixture.Agent;

        using var response = await SendAsync(agent, HttpMethod.Post, "r/tests/cat", origin: "http://localhost:3000", body: "hi");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AllowedHostIsServed()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, o => o.AllowedHosts = "agent.test, other.test");

        using var allowed = await SendAsync(agent, HttpMethod.Get, "health", host: "agent.test:8080", origin: "http://other.test");
        using var other = await SendAsync(agent, HttpMethod.Get, "health", host: "third.test");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, other.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(RunningAgent agent, HttpMethod method, string path, string? host = null, string? origin = null, string body = "")
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent(body);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }

        return await agent.Client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
