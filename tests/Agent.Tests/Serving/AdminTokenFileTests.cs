using System.Net;
using System.Net.Http.Headers;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Serving;

/// <summary>
/// The real <c>fnagent serve</c> and its <c>&lt;data&gt;/admin-token</c>: made readable by its
/// user only, kept across restarts, never in the agent's output; and the start refused on a
/// network address without <c>FNAGENT_AdminToken</c>.
/// </summary>
public sealed class AdminTokenFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string Data => Path.Combine(_folder.Path, "data");

    private string TokenFile => Path.Combine(Data, "admin-token");

    [Fact]
    public async Task TheTokenFileIsMadeForItsUserOnlyKeptAcrossRestartsAndNeverPrinted()
    {
        string token;
        await using (var first = await ServeAsync(null))
        {
            var output = await first.WaitForOutputAsync("admin API");
            Assert.True(first.Address is not null, first.Errors + output);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(TokenFile));
            token = (await File.ReadAllTextAsync(TokenFile)).Trim();
            Assert.Matches("^[A-Za-z0-9_-]{43}$", token);
            Assert.Contains($"admin token made in {TokenFile}", output);
            Assert.Contains($"admin API (/v1, /v2) open: loopback only and no FNAGENT_AdminToken, no token asked (token file: {TokenFile})", output);
            Assert.DoesNotContain(token, output + first.Errors);
        }

        await using var second = await ServeAsync(null);
        var again = await second.WaitForOutputAsync("admin API");
        Assert.True(second.Address is not null, second.Errors + again);
        Assert.Equal(token, (await File.ReadAllTextAsync(TokenFile)).Trim());
        Assert.DoesNotContain("admin token made", again);
        Assert.DoesNotContain(token, again + second.Errors);
    }

    [Fact]
    public async Task ATokenFileOthersMayReadGetsAWarning()
    {
        Directory.CreateDirectory(Data);
        await File.WriteAllTextAsync(TokenFile, "an-older-token-made-by-hand-0123\n");
        File.SetUnixFileMode(TokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await using var agent = await ServeAsync(null);
        var output = await agent.WaitForOutputAsync("admin API");

        Assert.Contains($"admin token file {TokenFile} has mode 644: other users of this machine may read it; chmod 600 it", output);
        Assert.DoesNotContain("an-older-token-made-by-hand-0123", output + agent.Errors);
    }

    [Fact]
    public async Task ANetworkAddressWithoutAdminTokenRefusesToStartAndSaysWhatToSet()
    {
        await using var agent = await ServeAsync(null, "http://0.0.0.0:0");

        Assert.Null(agent.Address);
        Assert.Equal(1, agent.ExitCode);
        Assert.Contains($"fnagent: setting Urls: listening on http://0.0.0.0:0 exposes the admin API", agent.Errors);
        Assert.Contains($"set FNAGENT_AdminToken (for example FNAGENT_AdminToken=$(cat {TokenFile}))", agent.Errors);

        // The file that message names is there to be read.
        Assert.True(File.Exists(TokenFile));
        Assert.DoesNotContain((await File.ReadAllTextAsync(TokenFile)).Trim(), agent.Output + agent.Errors);
    }

    [Fact]
    public async Task WithAdminTokenANetworkAddressServesAndTheAdminApiAsksForIt()
    {
        const string token = "operator-chosen-token-0123456789";
        await using var agent = await ServeAsync(new Dictionary<string, string> { ["FNAGENT_AdminToken"] = token }, "http://0.0.0.0:0");
        var output = await agent.WaitForOutputAsync("admin API");

        Assert.True(agent.Address is not null, agent.Errors + output);
        Assert.Contains("admin API (/v1, /v2) requires the token: Authorization: Bearer <FNAGENT_AdminToken>", output);
        Assert.DoesNotContain(token, output + agent.Errors);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{agent.Address.Port}/"), Timeout = TimeSpan.FromSeconds(30) };
        using (var without = await client.GetAsync("v1/functions"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        }

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var with = await client.GetAsync("v1/functions");
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }

    public void Dispose() => _folder.Dispose();

    private Task<ServeProcess> ServeAsync(IDictionary<string, string>? environment, string urls = "http://127.0.0.1:0")
    {
        Directory.CreateDirectory(Path.Combine(_folder.Path, "functions"));
        return ServeProcess.StartAsync(_folder.Path, environment,
            "serve", "--functions", Path.Combine(_folder.Path, "functions"), "--urls", urls, "--data", Data);
    }
}
