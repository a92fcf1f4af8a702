using System.CommandLine;

namespace Fnagent.Cli;

/// <summary><c>fnagent call &lt;app&gt;/&lt;route&gt;</c>: calls a function with stdin as the body.</summary>
internal static class CallCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("app/route") { Description = "e.g. examples/hello-bash" };
        var method = new Option<string>("--method", "-X") { Description = "HTTP method", DefaultValueFactory = _ => "POST" };
        var agent = AgentClient.AgentOption();
        var token = AgentClient.TokenOption();
        var command = new Command("call", "Call a function; stdin is the body, the response goes to stdout") { target, method, agent, token };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var client = AgentClient.Create(result.GetValue(agent)!, result.GetValue(token));
            using var request = new HttpRequestMessage(new HttpMethod(result.GetValue(method)!), "r/" + result.GetValue(target)!.TrimStart('/'));
            if (Console.IsInputRedirected)
            {
                request.Content = new StreamContent(Console.OpenStandardInput());
            }

            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (response.Headers.TryGetValues("Fn-Call-Id", out var ids))
                {
                    await Console.Error.WriteLineAsync($"call {string.Join(",", ids)}: {(int)response.StatusCode}");
                }

                await using var stdout = Console.OpenStandardOutput();
                await response.Content.CopyToAsync(stdout, cancellationToken);
                return response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (HttpRequestException e)
            {
                await Console.Error.WriteLineAsync($"cannot reach the agent at {client.BaseAddress}: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
