using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Fnagent.Api;

namespace Fnagent.Cli;

/// <summary>The <c>--agent</c> and <c>--token</c> options shared by the verbs that talk to a running agent.</summary>
internal static class AgentClient
{
    public static Option<string> AgentOption() => new("--agent")
    {
        Description = "URL of the running agent",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("FNAGENT_URL") ?? "http://127.0.0.1:8080",
    };

    /// <summary>
    /// <c>--token</c>; without it <see cref="Create"/> reads $FNAGENT_TOKEN, at run time rather
    /// than as the option's default, so that <c>--help</c> never prints the token.
    /// </summary>
    public static Option<string?> TokenOption() => new("--token")
    {
        Description = "The agent's admin token, sent as Authorization: Bearer (default: $FNAGENT_TOKEN); needed unless the agent listens on loopback without FNAGENT_AdminToken",
    };

    public static HttpClient Create(string agentUrl, string? token) =>
        Authorize(new HttpClient { BaseAddress = new Uri(agentUrl.TrimEnd('/') + "/") }, token ?? Environment.GetEnvironmentVariable("FNAGENT_TOKEN"));

    /// <summary><paramref name="client"/>, sending <c>Authorization: Bearer <paramref name="token"/></c> on every request when a token is given.</summary>
    public static HttpClient Authorize(HttpClient client, string? token)
    {
        if (!string.IsNullOrWhiteSpace(token))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Trim());
        }

        return client;
    }

    /// <summary>The message of the agent's error answer (docs/protocols.md §7), or its status when the body is not that shape.</summary>
    public static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.ErrorAnswer, cancellationToken);
            if (answer?.Error?.Message is { } message)
            {
                return message;
            }
        }
        catch (JsonException)
        {
        }

        return $"the agent answered {(int)response.StatusCode} {response.ReasonPhrase}";
    }
}
