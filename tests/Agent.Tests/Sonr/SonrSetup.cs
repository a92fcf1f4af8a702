using System.Net.Http.Json;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Sonr;

/// <summary>What the Sonr tests share: a functions folder the registry writes into, and the calls that store content and add functions.</summary>
internal static class SonrSetup
{
    /// <summary>The test function that reports its arguments, content, parameters and user.</summary>
    public static string Report => Path.Combine(RunningAgent.TestFunctions, "sonr", "report");

    /// <summary>An empty functions folder, passable by the functions' user.</summary>
    public static string FunctionsFolder()
    {
        var folder = Directory.CreateTempSubdirectory("fnagent-sonr-").FullName;
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        return folder;
    }

    public static async Task<string> StoreAsync(HttpClient client, string content)
    {
        using var response = await client.PostAsync("v1/blobs", new StringContent(content));
        response.EnsureSuccessStatusCode();
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return answer.RootElement.GetProperty("cid").GetString()!;
    }

    /// <summary>Stores <paramref name="binary"/> and registers it: the registry's answer.</summary>
    public static async Task<HttpResponseMessage> AddAsync(HttpClient client, string name, string binary, string controller,
        Uri? callback = null, string[]? parameters = null, string? network = null)
    {
        string cid;
        await using (var file = File.OpenRead(binary))
        using (var stored = await client.PostAsync("v1/blobs", new StreamContent(file)))
        {
            stored.EnsureSuccessStatusCode();
            using var answer = JsonDocument.Parse(await stored.Content.ReadAsStringAsync());
            cid = answer.RootElement.GetProperty("cid").GetString()!;
        }

        return await PutAsync(client, name, new { controller, binary = cid, callback = callback?.ToString(), @params = parameters, network });
    }

    public static Task<HttpResponseMessage> PutAsync(HttpClient client, string name, object registration) =>
        client.PutAsync($"v1/sonr/functions/{name}", JsonContent.Create(registration));

    /// <summary>The <c>message</c> of an error answer.</summary>
    public static async Task<string> MessageAsync(HttpResponseMessage response)
    {
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return answer.RootElement.GetProperty("error").GetProperty("message").GetString()!;
    }
}
