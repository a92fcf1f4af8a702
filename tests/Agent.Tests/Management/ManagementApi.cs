using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fnagent.Agent.Tests.Management;

/// <summary>A small client of the v2 API for the tests: JSON in, JSON out, the status checked.</summary>
internal static class ManagementApi
{
    public static async Task<JsonObject> SendAsync(this HttpClient client, HttpMethod method, string path, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is byte[] archive)
        {
            request.Content = new ByteArrayContent(archive) { Headers = { ContentType = new MediaTypeHeaderValue("application/gzip") } };
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject();
    }

    public static Task<JsonObject> PostJsonAsync(this HttpClient client, string path, object body, HttpStatusCode expected = HttpStatusCode.OK) =>
        client.SendAsync(HttpMethod.Post, path, body, expected);

    public static Task<JsonObject> PutJsonAsync(this HttpClient client, string path, object body, HttpStatusCode expected = HttpStatusCode.OK) =>
        client.SendAsync(HttpMethod.Put, path, body, expected);

    public static Task<JsonObject> GetJsonAsync(this HttpClient client, string path, HttpStatusCode expected = HttpStatusCode.OK) =>
        client.SendAsync(HttpMethod.Get, path, null, expected);

    public static Task<JsonObject> RemoveAsync(this HttpClient client, string path, HttpStatusCode expected = HttpStatusCode.NoContent) =>
        client.SendAsync(HttpMethod.Delete, path, null, expected);

    public static async Task<string> CallAsync(this HttpClient client, string path, string body = "", HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await client.PostAsync(path, new StringContent(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text;
    }

    public static Task<JsonObject> PutCodeAsync(this HttpClient client, string fnId, byte[] archive, HttpStatusCode expected = HttpStatusCode.OK) =>
        client.SendAsync(HttpMethod.Put, $"v2/fns/{fnId}/code", archive, expected);

    public static string Id(this JsonObject answer) => (string)answer["id"]!;

    public static string? Field(this JsonObject error) => (string?)error["error"]?["field"];
}
