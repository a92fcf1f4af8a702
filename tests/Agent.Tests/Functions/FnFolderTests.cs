using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Management;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Functions;

/// <summary>
/// A folder made for the Fn Project (func.yaml, func.js and package.json depending on the
/// published @fnproject/fdk, as <c>fn init --runtime node</c> and the fdk-node examples
/// make it) served as it is: its app from the folder around it, its entrypoint as the
/// command, npm as its build, its http trigger at /t.
/// </summary>
public sealed class FnFolderTests
{
    private static string Folders => Path.Combine(RunningAgent.RepoRoot, "tests", "fn-folders");

    [Fact]
    public async Task AnFnNodeFolderIsServedUnmodifiedWithItsTrigger()
    {
        await using var agent = await RunningAgent.StartAsync(Folders);
        using var listing = JsonDocument.Parse(await agent.Client.GetStringAsync("v1/functions"));
        var function = listing.RootElement.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "hello-fdk");
        Assert.Equal("fn-app", function.GetProperty("app").GetString());
        Assert.Equal("http-stream", function.GetProperty("format").GetString());
        Assert.Contains(function.GetProperty("notes").EnumerateArray(), note => note.GetString()!.Contains("build_image, run_image"));

        // The first call waits for npm to install the FDK (bounded by the function's timeout); retried while it still builds.
        foreach (var path in new[] { "t/fn-app/hello-fdk", "r/fn-app/hello-fdk", $"invoke/{function.GetProperty("id").GetString()}" })
        {
            var answer = await CallWhileBuildingAsync(agent.Client, path, """{"name":"Fn"}""");
            Assert.Equal("""{"message":"Hello Fn"}""", answer);
        }
    }

    [Fact]
    public async Task AnFnNodeFolderIsDeployedThroughTheApiAndBuiltBeforeItServes()
    {
        var functions = Directory.CreateTempSubdirectory("fnagent-fn-deploy-").FullName;
        try
        {
            await using var agent = await RunningAgent.StartAsync(functions);
            var app = await agent.Client.PostJsonAsync("v2/apps", new { name = "deployed" });
            var fn = await agent.Client.PostJsonAsync("v2/fns", new { name = "hello-fdk", app_id = app.Id(), image = "fnproject/hello-fdk:0.0.1" });
            var folder = Path.Combine(Folders, "fn-app", "hello-fdk");
            var archive = CodeFolders.Pack([.. new[] { "func.yaml", "func.js", "package.json" }
                .Select(name => (name, File.ReadAllText(Path.Combine(folder, name)), CodeFolders.Plain))]);

            // The answer comes once npm installed the FDK into the new version: the first call finds it built.
            var deployed = await agent.Client.PutCodeAsync(fn.Id(), archive);
            Assert.Equal("http-stream", (string)deployed["format"]!);
            Assert.Contains(deployed["notes"]!.AsArray(), note => ((string)note!).Contains("build_image", StringComparison.Ordinal));
            Assert.Equal("""{"message":"Hello Fn"}""", await agent.Client.CallAsync("t/deployed/hello-fdk", """{"name":"Fn"}"""));
        }
        finally
        {
            Directory.Delete(functions, recursive: true);
        }
    }

    private static async Task<string> CallWhileBuildingAsync(HttpClient client, string path, string body)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await client.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return text;
            }

            Assert.True(attempt < 6 && text.Contains("still building", StringComparison.Ordinal), $"{path}: {(int)response.StatusCode} {text}");
        }
    }
}
