using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Fnagent.Cli;

/// <summary>
/// A small typed client over the agent's management API (<c>/v2</c>: apps, fns, triggers,
/// code upload, rollback) for the CLI verbs. Names are resolved to ids here (apps by their
/// <c>name</c> filter, fns by <c>app_id</c> and <c>name</c>); an unknown name, and every
/// non-2xx answer, become a <see cref="CommandFailure"/> with the agent's message.
/// One instance per verb run; not shared between threads.
/// </summary>
internal sealed class ManagementClient(HttpClient http) : IDisposable
{
    private const int PageSize = 100;

    /// <summary>An error answer is read up to this many bytes: a build failure's message carries only the output's tail.</summary>
    private const int ErrorBodyLimit = 64 * 1024;

    public HttpClient Http => http;

    public static ManagementClient Create(string agentUrl, string? token, TimeSpan timeout)
    {
        var http = AgentClient.Create(agentUrl, token);
        http.Timeout = timeout;
        return new ManagementClient(http);
    }

    /// <summary>
    /// Adds <c>--agent</c> and <c>--token</c> to <paramref name="command"/> and runs
    /// <paramref name="action"/> with a client for them: a <see cref="CommandFailure"/> is
    /// printed and exits 1, an agent that cannot be reached or does not answer in
    /// <paramref name="timeout"/> exits 2.
    /// </summary>
    public static void SetAction(Command command, Func<ParseResult, ManagementClient, CancellationToken, Task<int>> action, TimeSpan? timeout = null)
    {
        var agent = AgentClient.AgentOption();
        var token = AgentClient.TokenOption();
        command.Add(agent);
        command.Add(token);
        var bound = timeout ?? TimeSpan.FromSeconds(100);
        command.SetAction(async (result, cancellationToken) =>
        {
            using var client = Create(result.GetValue(agent)!, result.GetValue(token), bound);
            try
            {
                return await action(result, client, cancellationToken);
            }
            catch (CommandFailure e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 1;
            }
            catch (HttpRequestException e)
            {
                await Console.Error.WriteLineAsync($"cannot reach the agent at {client.Http.BaseAddress}: {e.Message}");
                return 2;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"the agent at {client.Http.BaseAddress} did not answer within {bound.TotalSeconds:0} s");
                return 2;
            }
        });
    }

    public async Task<ManagedApp?> FindAppAsync(string name, CancellationToken cancellationToken)
    {
        var page = await SendAsync(HttpMethod.Get, $"v2/apps?name={Uri.EscapeDataString(name)}", null, ManagementJsonContext.Default.ManagedPageManagedApp, cancellationToken);
        return page.Items?.FirstOrDefault(a => a.Name == name);
    }

    public async Task<ManagedApp> AppAsync(string name, CancellationToken cancellationToken) =>
        await FindAppAsync(name, cancellationToken) ?? throw new CommandFailure($"no app {name}");

    public IAsyncEnumerable<ManagedApp> AppsAsync(CancellationToken cancellationToken) =>
        ListAsync("v2/apps?", ManagementJsonContext.Default.ManagedPageManagedApp, cancellationToken);

    public Task<ManagedApp> CreateAppAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "v2/apps", Json(new NewApp(name), ManagementJsonContext.Default.NewApp), ManagementJsonContext.Default.ManagedApp, cancellationToken);

    public Task DeleteAppAsync(ManagedApp app, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, $"v2/apps/{Uri.EscapeDataString(app.Id)}", null, cancellationToken);

    /// <summary>Sets one config key of an app; <paramref name="value"/> "" removes it (the contract's merge rule).</summary>
    public Task<ManagedApp> SetAppConfigAsync(ManagedApp app, string key, string value, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, $"v2/apps/{Uri.EscapeDataString(app.Id)}", ConfigContent(key, value), ManagementJsonContext.Default.ManagedApp, cancellationToken);

    public async Task<ManagedFn?> FindFnAsync(ManagedApp app, string name, CancellationToken cancellationToken)
    {
        var page = await SendAsync(HttpMethod.Get, $"v2/fns?app_id={Uri.EscapeDataString(app.Id)}&name={Uri.EscapeDataString(name)}", null, ManagementJsonContext.Default.ManagedPageManagedFn, cancellationToken);
        return page.Items?.FirstOrDefault(f => f.Name == name);
    }

    /// <summary>The function <paramref name="fnName"/> of the app <paramref name="appName"/>, both resolved by name.</summary>
    public async Task<(ManagedApp App, ManagedFn Fn)> FnAsync(string appName, string fnName, CancellationToken cancellationToken)
    {
        var app = await AppAsync(appName, cancellationToken);
        var fn = await FindFnAsync(app, fnName, cancellationToken) ?? throw new CommandFailure($"no function {fnName} in app {appName}");
        return (app, fn);
    }

    public IAsyncEnumerable<ManagedFn> FnsAsync(ManagedApp app, CancellationToken cancellationToken) =>
        ListAsync($"v2/fns?app_id={Uri.EscapeDataString(app.Id)}&", ManagementJsonContext.Default.ManagedPageManagedFn, cancellationToken);

    /// <summary>The fn's full JSON as the agent wrote it, fields the CLI does not know included.</summary>
    public async Task<JsonDocument> FnDocumentAsync(ManagedFn fn, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"v2/fns/{Uri.EscapeDataString(fn.Id)}", cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
    }

    public Task<ManagedFn> CreateFnAsync(ManagedApp app, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "v2/fns", Json(new NewFn(name, app.Id), ManagementJsonContext.Default.NewFn), ManagementJsonContext.Default.ManagedFn, cancellationToken);

    public Task DeleteFnAsync(ManagedFn fn, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, $"v2/fns/{Uri.EscapeDataString(fn.Id)}", null, cancellationToken);

    public Task<ManagedFn> SetFnConfigAsync(ManagedFn fn, string key, string value, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, $"v2/fns/{Uri.EscapeDataString(fn.Id)}", ConfigContent(key, value), ManagementJsonContext.Default.ManagedFn, cancellationToken);

    /// <summary>Uploads a .tar.gz of the function folder; the agent answers once the new version is built and serving.</summary>
    public Task<ManagedFn> UploadCodeAsync(ManagedFn fn, Stream archive, CancellationToken cancellationToken)
    {
        var content = new StreamContent(archive);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        return SendAsync(HttpMethod.Put, $"v2/fns/{Uri.EscapeDataString(fn.Id)}/code", content, ManagementJsonContext.Default.ManagedFn, cancellationToken);
    }

    public Task<ManagedFn> RollbackAsync(ManagedFn fn, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"v2/fns/{Uri.EscapeDataString(fn.Id)}/rollback", null, ManagementJsonContext.Default.ManagedFn, cancellationToken);

    public IAsyncEnumerable<ManagedTrigger> TriggersAsync(ManagedFn fn, CancellationToken cancellationToken) =>
        ListAsync($"v2/triggers?app_id={Uri.EscapeDataString(fn.AppId)}&fn_id={Uri.EscapeDataString(fn.Id)}&", ManagementJsonContext.Default.ManagedPageManagedTrigger, cancellationToken);

    /// <summary>
    /// The message of an error answer (<c>error.message</c>, else <c>message</c>, else the
    /// status), read from at most the first 64 KiB of the body.
    /// </summary>
    public static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = $"the agent answered {(int)response.StatusCode} {response.ReasonPhrase}";
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[ErrorBodyLimit];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        try
        {
            var answer = JsonSerializer.Deserialize(buffer.AsSpan(0, length), ManagementJsonContext.Default.ManagementError);
            return answer?.Error?.Message is { Length: > 0 } detail ? detail
                : answer?.Message is { Length: > 0 } message ? message
                : status;
        }
        catch (JsonException)
        {
            return status;
        }
    }

    public void Dispose() => http.Dispose();

    private static ByteArrayContent ConfigContent(string key, string value) =>
        Json(new ConfigChange(new Dictionary<string, string> { [key] = value }), ManagementJsonContext.Default.ConfigChange);

    /// <summary>A small JSON body sent whole, with its Content-Length, rather than chunked.</summary>
    private static ByteArrayContent Json<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new CommandFailure(await ErrorMessageAsync(response, cancellationToken));
        }
    }

    private async IAsyncEnumerable<T> ListAsync<T>(string pathAndQuery, JsonTypeInfo<ManagedPage<T>> page, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var path = $"{pathAndQuery}per_page={PageSize}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var answer = await SendAsync(HttpMethod.Get, path, null, page, cancellationToken);
            foreach (var item in answer.Items ?? [])
            {
                yield return item;
            }

            cursor = answer.NextCursor;
        }
        while (!string.IsNullOrEmpty(cursor));
    }

    private async Task SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> answer, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync(answer, cancellationToken)
                ?? throw new CommandFailure($"the agent answered {method} /{path} with null");
        }
        catch (JsonException e)
        {
            throw new CommandFailure($"the agent's answer to {method} /{path} is not what this CLI expects: {e.Message}");
        }
    }
}
