using System.CommandLine;
using System.Text.Json;

namespace Fnagent.Cli;

/// <summary>
/// <c>fnagent blob put FILE</c> and <c>fnagent blob get CID [-o FILE]</c>: the content store
/// (docs/protocols.md §9), both streamed. <c>put</c> prints the CID.
/// </summary>
internal static class BlobCommand
{
    public static Command Create()
    {
        var agent = AgentClient.AgentOption();
        var token = AgentClient.TokenOption();

        var file = new Argument<FileInfo>("file") { Description = "The file to store" };
        var put = new Command("put", "Store a file in the content store; prints its CID") { file, agent, token };
        put.SetAction((result, cancellationToken) => RunAsync(result, agent, token, async client =>
        {
            await using var content = result.GetValue(file)!.OpenRead();
            using var response = await client.PostAsync("v1/blobs", new StreamContent(content), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync(await AgentClient.ErrorMessageAsync(response, cancellationToken));
                return 1;
            }

            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            Console.WriteLine(answer.RootElement.GetProperty("cid").GetString());
            return 0;
        }));

        var cid = new Argument<string>("cid") { Description = "The blob's CID (bafkrei...)" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write it to this file instead of stdout" };
        var get = new Command("get", "Fetch a blob of the content store") { cid, output, agent, token };
        get.SetAction((result, cancellationToken) => RunAsync(result, agent, token, async client =>
        {
            using var response = await client.GetAsync($"v1/blobs/{Uri.EscapeDataString(result.GetValue(cid)!)}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync(await AgentClient.ErrorMessageAsync(response, cancellationToken));
                return 1;
            }

            await using var target = result.GetValue(output) is { } path ? path.Create() : Console.OpenStandardOutput();
            await response.Content.CopyToAsync(target, cancellationToken);
            return 0;
        }));

        return new Command("blob", "The content store: blob put FILE, blob get CID") { put, get };
    }

    /// <summary>Runs <paramref name="run"/> with a client of the agent; 2 when the agent cannot be reached.</summary>
    internal static async Task<int> RunAsync(ParseResult result, Option<string> agent, Option<string?> token, Func<HttpClient, Task<int>> run)
    {
        using var client = AgentClient.Create(result.GetValue(agent)!, result.GetValue(token));
        try
        {
            return await run(client);
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"cannot reach the agent at {client.BaseAddress}: {e.Message}");
            return 2;
        }
    }
}
