using System.CommandLine;

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
}
