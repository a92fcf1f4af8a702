using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Fnagent.Api;

namespace Fnagent.Cli;

/// <summary>
/// <c>fnagent function add|remove|list</c>: Sonr's function table (docs/protocols.md §9).
/// <c>add</c> stores the binary in the content store first (<c>POST /v1/blobs</c>), then
/// registers the function under its CID (<c>PUT /v1/sonr/functions/{name}</c>): a later
/// change of the file changes nothing until it is added again.
/// </summary>
internal static class FunctionCommand
{
    public static Command Create()
    {
        var agent = AgentClient.AgentOption();
        var token = AgentClient.TokenOption();
        var name = new Argument<string>("name") { Description = "The function's name (lower-case letters, digits, '-', '_')" };

        var binary = new Argument<FileInfo>("path-to-binary") { Description = "The executable: it gets the CID as its argument and the content on stdin" };
        var did = new Option<string>("--did") { Description = "The controller's DID (did:sonr:<id> or did:snr:<id>): only calls naming it run the function", Required = true };
        var callback = new Option<string?>("--callback") { Description = "POST the output here (http or https) instead of answering with it; callers get 202 and the call id" };
        var param = new Option<string[]>("--param") { Description = "A query parameter the function takes, given to it as FN_PARAM_<NAME> (repeatable)", AllowMultipleArgumentsPerToken = false };
        var network = new Option<string?>("--network") { Description = "none (the default: no network at all) or host" };
        var add = new Command("add", "Add or replace a Sonr function: its binary goes to the content store") { name, binary, did, callback, param, network, agent, token };
        add.SetAction((result, cancellationToken) => BlobCommand.RunAsync(result, agent, token, async client =>
        {
            var file = result.GetValue(binary)!;
            if (!file.Exists)
            {
                await Console.Error.WriteLineAsync($"{file.FullName}: no such file");
                return 1;
            }

            string cid;
            await using (var content = file.OpenRead())
            using (var stored = await client.PostAsync("v1/blobs", new StreamContent(content), cancellationToken))
            {
                if (!stored.IsSuccessStatusCode)
                {
                    await Console.Error.WriteLineAsync($"{file.FullName}: {await AgentClient.ErrorMessageAsync(stored, cancellationToken)}");
                    return 1;
                }

                cid = (await stored.Content.ReadFromJsonAsync(ApiJsonContext.Default.BlobStored, cancellationToken))!.Cid;
            }

            var registration = new Dictionary<string, object?>
            {
                ["controller"] = result.GetValue(did),
                ["binary"] = cid,
                ["callback"] = result.GetValue(callback),
                ["params"] = result.GetValue(param) ?? [],
                ["network"] = result.GetValue(network),
            };
            using var response = await client.PutAsync($"v1/sonr/functions/{Uri.EscapeDataString(result.GetValue(name)!)}",
                new StringContent(JsonSerializer.Serialize(registration, FunctionCommandJson.Default.DictionaryStringObject), System.Text.Encoding.UTF8, "application/json"),
                cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync(await ManagementClient.ErrorMessageAsync(response, cancellationToken));
                return 1;
            }

            var added = (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.SonrFunctionInfo, cancellationToken))!;
            Console.WriteLine($"{(response.StatusCode == System.Net.HttpStatusCode.Created ? "added" : "replaced")} {added.Name}: binary {added.Binary}, controller {added.Controller}");
            Console.WriteLine($"call it: curl {client.BaseAddress}v1/functions/{added.Name}/{added.Controller}/<cid>");
            return 0;
        }));

        var removed = new Argument<string>("name") { Description = "The function to remove" };
        var remove = new Command("remove", "Remove a Sonr function: its calls answer 404 from then on") { removed, agent, token };
        remove.SetAction((result, cancellationToken) => BlobCommand.RunAsync(result, agent, token, async client =>
        {
            using var response = await client.DeleteAsync($"v1/sonr/functions/{Uri.EscapeDataString(result.GetValue(removed)!)}", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync(await ManagementClient.ErrorMessageAsync(response, cancellationToken));
                return 1;
            }

            Console.WriteLine($"removed {result.GetValue(removed)}");
            return 0;
        }));

        var list = new Command("list", "The Sonr functions: name, controller, binary, callback, parameters") { agent, token };
        list.SetAction((result, cancellationToken) => BlobCommand.RunAsync(result, agent, token, async client =>
        {
            using var response = await client.GetAsync("v1/sonr/functions", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync(await ManagementClient.ErrorMessageAsync(response, cancellationToken));
                return 1;
            }

            var functions = (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.SonrFunctionList, cancellationToken))!;
            ListTable.Write(["NAME", "CONTROLLER", "BINARY", "CALLBACK", "PARAMS", "NETWORK"],
                functions.Items.Select(f => new[] { f.Name, f.Controller, f.Binary, f.Callback ?? "-", string.Join(",", f.Params), f.Network }));
            return 0;
        }));

        return new Command("function", "Sonr's deployable functions: function add NAME BINARY --did DID, function remove NAME, function list") { add, remove, list };
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object?>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class FunctionCommandJson : System.Text.Json.Serialization.JsonSerializerContext;
