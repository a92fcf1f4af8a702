using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Fnagent.Api;

namespace Fnagent.Cli;

/// <summary>The <c>--agent</c> option shared by the verbs that talk to a running agent.</summary>
internal static class AgentClient
{
    public static Option<string> AgentOption() => new("--agent")
    {
        Description = "URL of the running agent",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("FNAGENT_URL") ?? "http://127.0.0.1:8080",
    };

    public static HttpClient Create(string agentUrl) => new() { BaseAddress = new Uri(agentUrl.TrimEnd('/') + "/") };

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
