using System.Net;
using System.Net.Http.Headers;
using Fnagent.Agent.Tests.Support;
using Fnagent.Functions;

namespace Fnagent.Agent.Tests.Serving;

/// <summary><c>auth: token</c> in a func.yml or an app.yml: the function's callers need the admin token, on every way in.</summary>
public sealed class CallAuthTests : IAsyncLifetime
{
    private readonly string _functions = Directory.CreateTempSubdirectory("fnagent-call-auth-").FullName;
    private RunningAgent _agent = null!;

    public async Task InitializeAsync()
    {
        Write("open/cat/func.yml", "name: cat\napp: open\ncmd: cat\n");
        Write("open/locked/func.yml", "name: locked\napp: open\ncmd: cat\nauth: token\ntriggers: [{name: t, source: /locked}]\n");
        Write("open/env-locked/func.yml", $"name: env-locked\napp: open\ncmd: [bash, {Path.Combine(RunningAgent.TestFunctions, "env", "env.sh")}]\nauth: token\n");
        Write("open/env-open/func.yml", $"name: env-open\napp: open\ncmd: [bash, {Path.Combine(RunningAgent.TestFunctions, "env", "env.sh")}]\n");
        Write("closed/app.yml", "auth: token\n");
        Write("closed/inherits/func.yml", "name: inherits\napp: closed\ncmd: cat\n");
        Write("closed/public/func.yml", "name: public\napp: closed\ncmd: cat\nauth: none\n");
        _agent = await RunningAgent.StartAsync(_functions);
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        Directory.Delete(_functions, recursive: true);
    }

    private void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_functions, path))!);
        File.WriteAllText(Path.Combine(_functions, path), text);
    }

    [Fact]
    public async Task AFunctionOrAppWithAuthTokenIsCalledOnlyWithTheToken()
    {
        var token = File.ReadAllText(Path.Combine(_agent.DataDirectory, "admin-token")).Trim();
        foreach (var path in new[] { "r/open/locked", "t/open/locked", $"invoke/{FunctionIds.Function("open", "locked")}", "r/closed/inherits" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(path, null));
            Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(path, "not-the-token-at-all"));
            Assert.Equal(HttpStatusCode.OK, await CallAsync(path, token));
        }

        // The token is the agent's: the function never sees it (env prints FN_HEADER_* variables).
        using var seen = new HttpRequestMessage(HttpMethod.Post, "r/open/env-locked") { Content = new StringContent("") };
        seen.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var answer = await _agent.Client.SendAsync(seen);
        var environment = await answer.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.DoesNotContain(token, environment);
        Assert.DoesNotContain("AUTHORIZATION", environment);

        // Nor does a function without auth: token, when a caller (a CLI with FNAGENT_TOKEN set) sends it anyway.
        using var open = new HttpRequestMessage(HttpMethod.Post, "r/open/env-open") { Content = new StringContent("") };
        open.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var openAnswer = await _agent.Client.SendAsync(open);
        Assert.DoesNotContain(token, await openAnswer.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, await CallAsync("r/open/cat", null));
        Assert.Equal(HttpStatusCode.OK, await CallAsync("r/closed/public", null));
    }

    private async Task<HttpStatusCode> CallAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("hi") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _agent.Client.SendAsync(request);
        return response.StatusCode;
    }
}
