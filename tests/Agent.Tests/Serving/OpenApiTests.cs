using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fnagent.Agent.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Fnagent.Agent.Tests.Serving;

/// <summary>The admin API's OpenAPI document and its reference page, as a browser gets them from a running agent.</summary>
public sealed class OpenApiTests
{
    private static string CommittedDocument => Path.Combine(RunningAgent.RepoRoot, "docs", "openapi.json");

    [Fact]
    public async Task TheServedDocumentIsTheCommittedOne()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        var served = JsonNode.Parse(await agent.Client.GetStringAsync("openapi/v1.json"))!;
        var text = served.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

        // To make it again after a change of the API: FNAGENT_REMAKE_OPENAPI=1 dotnet test --filter TheServedDocumentIsTheCommittedOne
        if (Environment.GetEnvironmentVariable("FNAGENT_REMAKE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(CommittedDocument, text);
        }

        Assert.Equal(await File.ReadAllTextAsync(CommittedDocument), text);
    }

    [Fact]
    public async Task EveryAdminEndpointIsDescribedWithItsAnswers()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        using var document = JsonDocument.Parse(await agent.Client.GetStringAsync("openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");

        // Taken from the agent's own endpoints, so a new one cannot be left out.
        var admin = agent.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/v1/", StringComparison.Ordinal) || raw.StartsWith("/v2/", StringComparison.Ordinal) || raw == "/health"))
            .ToList();
        Assert.Contains(admin, e => e.RoutePattern.RawText!.StartsWith("/v2/", StringComparison.Ordinal));
        foreach (var endpoint in admin)
        {
            // A group's own route ("/v2/apps" + "") is written with a trailing slash; the document has none.
            var path = endpoint.RoutePattern.RawText!.TrimEnd('/');
            Assert.True(paths.TryGetProperty(path, out var operations), $"{path} is not in the document");
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods)
            {
                Assert.True(operations.TryGetProperty(method.ToLowerInvariant(), out var operation), $"{method} {path} is not in the document");
                Assert.True(operation.TryGetProperty("summary", out _), $"{method} {path} has no summary");
                var answers = operation.GetProperty("responses");
                Assert.True(new[] { "200", "201", "204" }.Any(status => answers.TryGetProperty(status, out _)), $"{method} {path} has no 200, 201 or 204 answer");
            }
        }

        // The answers' field names are those on the wire.
        var record = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("CallSummary").GetProperty("properties");
        Assert.True(record.TryGetProperty("call_id", out _));
        Assert.True(record.TryGetProperty("queue_wait_ms", out _));
    }

    [Fact]
    public async Task TheReferencePageIsServedWithItsScriptsFromTheAgentItself()
    {
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions);
        var page = await agent.Client.GetStringAsync("scalar/");
        Assert.Contains("src=\"scalar.js\"", page);
        Assert.Contains("\"url\":\"openapi/v1.json\"", page); // resolved against the agent's base path by the page
        using var script = await agent.Client.GetAsync("scalar/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }
}
