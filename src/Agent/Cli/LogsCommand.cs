using System.CommandLine;

namespace Fnagent.Cli;

/// <summary><c>fnagent logs &lt;call_id&gt;</c>: prints a call's log.</summary>
internal static class LogsCommand
{
    public static Command Create()
    {
        var callId = new Argument<string>("call_id") { Description = "The call's id (the Fn-Call-Id response header)" };
        var agent = AgentClient.AgentOption();
        var token = AgentClient.TokenOption();
        var command = new Command("logs", "Print the log of a call") { callId, agent, token };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var client = AgentClient.Create(result.GetValue(agent)!, result.GetValue(token));
            var id = result.GetValue(callId)!;
            try
            {
                using var response = await client.GetAsync($"v1/calls/{Uri.EscapeDataString(id)}/log", cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    await Console.Error.WriteLineAsync(await AgentClient.ErrorMessageAsync(response, cancellationToken));
                    return 1;
                }

                await using var stdout = Console.OpenStandardOutput();
                await response.Content.CopyToAsync(stdout, cancellationToken);
                return 0;
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
