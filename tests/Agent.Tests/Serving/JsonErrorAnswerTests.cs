using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;
using Fnagent.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Fnagent.Agent.Tests.Serving;

/// <summary>Every answer of the agent's own, not only a function's failure, has the JSON error shape (docs/protocols.md §7).</summary>
public sealed class JsonErrorAnswerTests
{
    [Theory]
    [InlineData("GET", "nothing-here", HttpStatusCode.NotFound)]
    [InlineData("GET", "r/", HttpStatusCode.NotFound)]
    [InlineData("POST", "v1/nothing", HttpStatusCode.NotFound)]
    [InlineData("GET", "r/no-such-app/route", HttpStatusCode.NotFound)]
    [InlineData("GET", "v1/calls/01NOSUCHCALL", HttpStatusCode.NotFound)]
    [InlineData("POST", "health", HttpStatusCode.MethodNotAllowed)]
    [InlineData("DELETE", "v1/functions", HttpStatusCode.MethodNotAllowed)]
    [InlineData("PUT", "v1/calls/01NOSUCHCALL/log", HttpStatusCode.MethodNotAllowed)]
    public async Task TheAgentsOwnAnswersAreJsonErrors(string method, string path, HttpStatusCode status)
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        using var response = await agent.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(status, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("error").GetProperty("message").GetString()));
        if (status == HttpStatusCode.MethodNotAllowed)
        {
            Assert.Equal(["GET"], response.Content.Headers.Allow);
        }
    }

    [Fact]
    public async Task AnEmptyBadRequestOfAnEndpointGetsTheErrorShape()
    {
        var context = await RunAsync(c =>
        {
            c.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        });

        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal("""{"error":{"message":"bad request to /v1/x"}}""", Body(context));
    }

    [Fact]
    public async Task AnEndpointThatThrowsAnswers500WithTheErrorShape()
    {
        var context = await RunAsync(_ => throw new InvalidOperationException("broken"));

        Assert.Equal(500, context.Response.StatusCode);
        Assert.Contains("\"error\":{\"message\":", Body(context));
    }

    [Fact]
    public async Task AnAnswerWithABodyIsLeftAlone()
    {
        var context = await RunAsync(async c =>
        {
            c.Response.StatusCode = StatusCodes.Status404NotFound;
            c.Response.ContentLength = 2;
            await c.Response.WriteAsync("no");
        });

        Assert.Equal("no", Body(context));
    }

    /// <summary>Runs the fallback around an endpoint at <c>/v1/x</c> on a real <see cref="DefaultHttpContext"/>.</summary>
    private static async Task<HttpContext> RunAsync(RequestDelegate endpoint)
    {
        var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Path = "/v1/x";
        context.Response.Body = new MemoryStream();
        context.SetEndpoint(new Endpoint(endpoint, EndpointMetadataCollection.Empty, "test"));
        await JsonErrorFallback.Wrap(endpoint)(context).WaitAsync(TimeSpan.FromSeconds(10));
        return context;
    }

    private static string Body(HttpContext context) => System.Text.Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
}
