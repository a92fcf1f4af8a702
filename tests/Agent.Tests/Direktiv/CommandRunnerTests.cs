using System.Net;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Direktiv;

/// <summary>The built-in Direktiv command runner, flag by flag (docs/protocols.md §8).</summary>
public sealed class CommandRunnerTests(AutoDirektivFixture fixture) : IClassFixture<AutoDirektivFixture>
{
    private static object Commands(params object[] commands) => new { data = new { commands } };

    private static (string Error, string Output)[] Results(JsonElement body) =>
        [.. body.EnumerateArray().Select(r => (r.GetProperty("Error").GetString()!, r.GetProperty("Output").GetString()!))];

    [Fact]
    public async Task EachCommandRunsWithoutAShellAndItsOutputComesBackInOrder()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/commands", Commands(
            new { command = "echo -n \"hello  world\" 'and $HOME' *" },
            new { command = "sh -c 'echo out; echo err >&2; echo out2'" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([("", "hello  world and $HOME *"), ("", "out\nerr\nout2\n")], Results(body));
    }

    [Fact]
    public async Task AnOutputThatIsOneJsonValueIsEmbeddedAsJsonAnyOtherOutputIsAString()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/commands", Commands(
            new { command = "echo 444" },
            new { command = "echo '  {\"a\": [1, true, null], \"b\": \"x y\"}  '" },
            new { command = "echo '\"quoted\"'" },
            new { command = "echo 1 2" },
            new { command = "echo '{\"a\": 1,}'" },
            new { command = "true" }));
        var outputs = body.EnumerateArray().Select(r => r.GetProperty("Output")).ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonValueKind.Number, outputs[0].ValueKind);
        Assert.Equal(444, outputs[0].GetInt32());
        Assert.Equal("{\"a\":[1,true,null],\"b\":\"x y\"}", outputs[1].GetRawText());
        Assert.Equal("quoted", outputs[2].GetString());
        Assert.Equal("1 2\n", outputs[3].GetString());
        Assert.Equal("{\"a\": 1,}\n", outputs[4].GetString());
        Assert.Equal("", outputs[5].GetString());
    }

    [Fact]
    public async Task AnOutputIsEmbeddedAsJsonAsDeepAsGoNestsAndNoDeeper()
    {
        var input = JsonSerializer.Serialize(Commands(
            new { command = "python3 -c \"print('[' * 10000 + ']' * 10000)\"" },
            new { command = "python3 -c \"print('[' * 10001 + ']' * 10001)\"" }));
        using var response = await fixture.Agent.Client.PostAsync("r/direktiv/commands", new StringContent(input));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith($"[{{\"Error\":\"\",\"Output\":{new string('[', 10000)}]", body);
        Assert.Contains($"{{\"Error\":\"\",\"Output\":\"{new string('[', 10001)}", body);
    }

    [Fact]
    public async Task AnEmptyCommandListAnswersAnEmptyArray()
    {
        var (emptyList, emptyBody) = await fixture.PostAsync("r/direktiv/commands", Commands());
        using var noBody = await fixture.Agent.Client.PostAsync("r/direktiv/commands", new StringContent(""));

        Assert.Equal(HttpStatusCode.OK, emptyList.StatusCode);
        Assert.Equal(JsonValueKind.Array, emptyBody.ValueKind);
        Assert.Empty(Results(emptyBody));
        Assert.Equal("[]\n", await noBody.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TopLevelCommandsWithoutDataAreAcceptedToo()
    {
        var (_, body) = await fixture.PostAsync("r/direktiv/commands", new { commands = new[] { new { command = "echo top" } } });

        Assert.Equal([("", "top\n")], Results(body));
    }

    [Fact]
    public async Task AFailingCommandWithoutStopIsReportedAndTheNextOneRuns()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/commands", Commands(
            new { command = "sh -c 'echo failing; exit 3'" },
            new { command = "no-such-program-here" },
            new { command = "echo after" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([("exit status 3", "failing\n"), ("exec: \"no-such-program-here\": executable file not found in $PATH", ""), ("", "after\n")], Results(body));
    }

    [Fact]
    public async Task AFailingCommandWithStopEndsTheCallWithTheExecutionErrorCode()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/commands", Commands(
            new { command = "echo before", stop = true },
            new { command = "false", stop = true },
            new { command = "echo never" }));
        var log = await fixture.LogOfAsync(response);

        Assert.Equal(HttpStatusCode.UnprocessableContent, response.StatusCode);
        Assert.Equal("io.direktiv.error.execution", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("handler function error: stopped because command 1 failed", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains("running 3 commands\nrunning command 'echo before'\nbefore\nrunning command 'false'\nexit status 1\nstopping execution due to error in command 1\n", log);
        Assert.DoesNotContain("never", log);
    }

    [Fact]
    public async Task SuppressCommandHidesTheCommandTextFromTheLog()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/commands", Commands(
            new { command = "echo secret-password", suppress_command = true }));
        var log = await fixture.LogOfAsync(response);

        Assert.Equal([("", "secret-password\n")], Results(body));
        Assert.Contains("running command 0\n", log);
        Assert.DoesNotContain("echo secret-password", log);
    }

    [Fact]
    public async Task SuppressOutputKeepsTheOutputOutOfTheLogButInTheAnswer()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/commands", Commands(
            new { command = "echo hidden-output", suppress_output = true },
            new { command = "echo shown-output" }));
        var log = await fixture.LogOfAsync(response);

        Assert.Equal([("", "hidden-output\n"), ("", "shown-output\n")], Results(body));
        Assert.DoesNotContain("hidden-output\n", log.Replace("'echo hidden-output'", ""));
        Assert.Contains("shown-output\n", log);
    }

    [Fact]
    public async Task EnvsAreAddedToTheFunctionsEnvironmentAndNothingOfTheAgentsLeaks()
    {
        Environment.SetEnvironmentVariable("FNAGENT_TEST_AGENT_SECRET", "leaked");
        var (_, body) = await fixture.PostAsync("r/direktiv/commands", Commands(
            new { command = "env", envs = new[] { new { name = "HELLO", value = "WORLD" } } },
            new { command = "pwd" }));
        var (env, pwd) = (Results(body)[0].Output, Results(body)[1].Output.Trim());

        Assert.Contains("HELLO=WORLD\n", env);
        Assert.Contains($"HOME={pwd}\n", env);
        Assert.DoesNotContain("FNAGENT_TEST_AGENT_SECRET", env);
        Assert.DoesNotContain("HELLO", Results(body)[1].Output);
    }

    [Fact]
    public async Task FilesAreWrittenFirstWithTheirPermissionsIntoTheWorkingDirectory()
    {
        var input = new
        {
            files = new object[]
            {
                new { name = "run.sh", content = "#!/bin/sh\necho \"ran with $1\"\n", permission = 493 },
                new { name = "data.txt", content = "private", permission = 384 },
            },
            data = new { commands = new[] { new { command = "./run.sh arg" }, new { command = "stat -c '%a %n' run.sh data.txt" } } },
        };

        var (_, body) = await fixture.PostAsync("r/direktiv/commands", input);

        Assert.Equal([("", "ran with arg\n"), ("", "755 run.sh\n600 data.txt\n")], Results(body));
    }

    [Fact]
    public async Task CommandsOfARootAgentRunAsNobodyOverFilesTheyOwn()
    {
        // The bug: a root agent ran every command a caller sent as root.
        var input = new
        {
            files = new[] { new { name = "mine.txt", content = "x", permission = 384 } },
            data = new { commands = new[] { new { command = "id -un" }, new { command = "stat -c '%u %a' mine.txt ." }, new { command = "touch new.txt" } } },
        };

        var (_, body) = await fixture.PostAsync("r/direktiv/commands", input);

        // A name, not the uid: an Output that is a JSON number would be embedded as one.
        Assert.Equal([("", "nobody\n"), ("", "65534 600\n65534 700\n"), ("", "")], Results(body));
    }

    [Fact]
    public async Task AFileNameOutsideTheCallsDirectoryIsRefused()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/commands", new { files = new[] { new { name = "../escape", content = "x", permission = 420 } } });

        Assert.Equal(HttpStatusCode.UnprocessableContent, response.StatusCode);
        Assert.StartsWith("failed to prepare file", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task InputThatIsNotTheCommandShapeIsACatchableError()
    {
        var (response, body) = await fixture.PostAsync("r/direktiv/commands", new { data = new { commands = "echo" } });

        Assert.Equal(HttpStatusCode.UnprocessableContent, response.StatusCode);
        Assert.Equal("io.direktiv.error.execution", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task TheCallsDeadlineKillsARunningCommand()
    {
        var marker = $"{Random.Shared.Next(100, 999)}.4242";
        var (response, _) = await fixture.PostAsync("r/direktiv/commands-short", Commands(new { command = $"sleep {marker}" }));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Empty(ProcessTable.Matching($"sleep {marker}"));
    }

    [Fact]
    public async Task TheCallsDeadlineAlsoKillsWhatTheCommandLeftRunningWithoutAParent()
    {
        // The orphan is out of the command's process tree: only its group (or cgroup) reaches it.
        var marker = $"{Random.Shared.Next(100, 999)}.4343";
        var (response, _) = await fixture.PostAsync("r/direktiv/commands-short", Commands(new { command = $"sh -c '(sleep {marker} &); exec sleep 1{marker}'" }));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Matching($"sleep {marker}").Count == 0, TimeSpan.FromSeconds(5)));
    }
}
