using Fnagent.Functions;

namespace Fnagent.Agent.Tests.Functions;

public sealed class FunctionFileParserTests
{
    private const string File = "examples/bad/func.yml";

    private static FunctionDefinition Good(string yaml)
    {
        var parsed = FunctionFileParser.Parse(File, yaml);
        Assert.Empty(parsed.Errors);
        return Assert.IsType<FunctionDefinition>(parsed.Function);
    }

    private static FunctionLoadError OnlyError(string yaml)
    {
        var parsed = FunctionFileParser.Parse(File, yaml);
        Assert.Null(parsed.Function);
        return Assert.Single(parsed.Errors);
    }

    [Fact]
    public void EveryOptionalKeyTakesItsDefault()
    {
        var f = Good("name: hello\ncmd: ./hello.sh\n");
        Assert.Equal("hello", f.Name);
        Assert.Equal("default", f.App);
        Assert.Equal("/hello", f.Route);
        Assert.Equal(["./hello.sh"], f.Command);
        Assert.Equal(FunctionFormat.Default, f.Format);
        Assert.Equal(FunctionType.Sync, f.Type);
        Assert.Equal(TimeSpan.FromSeconds(30), f.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(30), f.IdleTimeout);
        Assert.Equal(128, f.MemoryMb);
        Assert.Null(f.Cpus);
        Assert.Equal((null, null, FunctionNetwork.Host, false), (f.Pids, f.TmpSizeMb, f.Network, f.WritableFolder));
        Assert.Equal(16, f.MaxConcurrency);
        Assert.Equal(0, f.MinIdle);
        Assert.Empty(f.Config);
        Assert.Empty(f.Headers);
        Assert.Null(f.Build);
        Assert.Equal(Path.GetFullPath(File), f.SourceFile);
        Assert.Equal(Path.GetFullPath("examples/bad"), f.Directory);
    }

    [Theory]
    [InlineData("default", 16)]
    [InlineData("json", 4)]
    [InlineData("http", 4)]
    [InlineData("http-stream", 4)]
    public void MaxConcurrencyDefaultsToSixteenCallsColdAndFourProcessesHot(string format, int expected)
    {
        Assert.Equal(expected, Good($"name: f\ncmd: ./f\nformat: {format}\n").MaxConcurrency);
    }

    [Fact]
    public void EveryKeyIsReadWhenWritten()
    {
        var f = Good("""
            name: resize
            app: images
            route: /thumbs//small/
            cmd: ["python3", "-u", "func.py"]
            format: http-stream
            type: async
            timeout: 2.5
            idle_timeout: 0
            memory: 512
            cpus: 500m
            max_concurrency: 8
            min_idle: 8
            async_concurrency: 3
            retries: 2
            config:
              API_URL: https://example.org
              RETRIES: 3
              EMPTY:
            headers:
              Content-Type: image/png
            build: npm install --omit=dev
            pids: 32
            tmp_size: 8
            network: none
            """);
        Assert.Equal(("resize", "images", "/thumbs/small"), (f.Name, f.App, f.Route));
        Assert.Equal(["python3", "-u", "func.py"], f.Command);
        Assert.Equal(FunctionFormat.HttpStream, f.Format);
        Assert.Equal(FunctionType.Async, f.Type);
        Assert.Equal(TimeSpan.FromSeconds(2.5), f.Timeout);
        Assert.Equal(TimeSpan.Zero, f.IdleTimeout);
        Assert.Equal((512, "500m", 0.5, 8, 8), (f.MemoryMb, f.Cpus, f.CpuCount, f.MaxConcurrency, f.MinIdle));
        Assert.Equal((32, 8, FunctionNetwork.None), (f.Pids, f.TmpSizeMb, f.Network));
        Assert.Equal((3, 2), (f.AsyncConcurrency, f.Retries));
        Assert.Equal(new Dictionary<string, string> { ["API_URL"] = "https://example.org", ["RETRIES"] = "3", ["EMPTY"] = "" }, f.Config);
        Assert.Equal(new Dictionary<string, string> { ["Content-Type"] = "image/png" }, f.Headers);
        Assert.Equal(["npm", "install", "--omit=dev"], f.Build);
    }

    [Theory]
    [InlineData("default", FunctionFormat.Default)]
    [InlineData("json", FunctionFormat.Json)]
    [InlineData("http", FunctionFormat.Http)]
    [InlineData("http-stream", FunctionFormat.HttpStream)]
    [InlineData("direktiv", FunctionFormat.Direktiv)]
    public void FormatAcceptsEachFormatName(string written, FunctionFormat expected)
    {
        Assert.Equal(expected, Good($"name: a\ncmd: x\nformat: {written}\n").Format);
    }

    [Theory]
    [InlineData("cpus: '0.5'")]
    [InlineData("cpus: 2")]
    [InlineData("cpus: .25")]
    [InlineData("cpus: 1500m")]
    public void CpusAcceptsMillicpusAndDecimalCpus(string line)
    {
        Assert.NotNull(Good($"name: a\ncmd: x\n{line}\n").Cpus);
    }

    [Fact]
    public void CmdAsAStringIsSplitLikeShellWordsAndNeverRunThroughAShell()
    {
        var f = Good("name: a\ncmd: sh -c 'echo \"$HOME\" | cat'\n");
        Assert.Equal(["sh", "-c", "echo \"$HOME\" | cat"], f.Command);
    }

    [Fact]
    public void RootRouteStaysTheRoot()
    {
        Assert.Equal("/", Good("name: a\ncmd: x\nroute: /\n").Route);
    }

    [Fact]
    public void RuntimeCommandsDefaultsTheCommandRunnerAndTheDirektivFormat()
    {
        var f = Good("name: steps\nruntime: commands\n");
        Assert.Equal(["/usr/share/direktiv/direktiv-cmd"], f.Command);
        Assert.Equal(FunctionFormat.Direktiv, f.Format);
    }

    [Theory]
    [InlineData("timeout: soon", 3, "timeout", "expected a number of seconds, got \"soon\"")]
    [InlineData("timeout: 0", 3, "timeout", "expected a positive number of seconds, got \"0\"")]
    [InlineData("timeout: -1", 3, "timeout", "expected a positive number of seconds, got \"-1\"")]
    [InlineData("timeout: [1]", 3, "timeout", "expected a number of seconds, got a list")]
    [InlineData("idle_timeout: -5", 3, "idle_timeout", "expected a non-negative number of seconds, got \"-5\"")]
    [InlineData("memory: 128Mi", 3, "memory", "expected a whole number of MB, got \"128Mi\"")]
    [InlineData("memory: 0", 3, "memory", "expected a whole number of MB of at least 1, got \"0\"")]
    [InlineData("cpus: lots", 3, "cpus", "expected a CPU share above zero like \"500m\", \"0.5\" or \"2\", got \"lots\"")]
    [InlineData("cpus: 0m", 3, "cpus", "expected a CPU share above zero like \"500m\", \"0.5\" or \"2\", got \"0m\"")]
    [InlineData("max_concurrency: 0", 3, "max_concurrency", "expected a whole number of processes of at least 1, got \"0\"")]
    [InlineData("max_concurrency: 1.5", 3, "max_concurrency", "expected a whole number of processes, got \"1.5\"")]
    [InlineData("min_idle: -1", 3, "min_idle", "expected a whole number of processes of at least 0, got \"-1\"")]
    [InlineData("min_idle: 17", 3, "min_idle", "expected at most max_concurrency (16) processes, got \"17\"")]
    [InlineData("async_concurrency: 0", 3, "async_concurrency", "expected a whole number of calls of at least 1, got \"0\"")]
    [InlineData("async_concurrency: 65", 3, "async_concurrency", "expected at most 4 times max_concurrency (64) calls, got \"65\"")]
    [InlineData("retries: -1", 3, "retries", "expected a whole number of attempts of at least 0, got \"-1\"")]
    [InlineData("retries: 11", 3, "retries", "expected at most 10 attempts, got \"11\"")]
    [InlineData("format: xml", 3, "format", "expected one of \"default\", \"json\", \"http\", \"http-stream\", \"direktiv\", got \"xml\"")]
    [InlineData("type: later", 3, "type", "expected \"sync\" or \"async\", got \"later\"")]
    [InlineData("app: My App", 3, "app", "expected lower-case letters, digits, '-' or '_' starting with a letter or digit, got \"My App\"")]
    [InlineData("route: hello", 3, "route", "must start with '/', got \"hello\"")]
    [InlineData("route: /a/../b", 3, "route", "must not contain '..', got \"/a/../b\"")]
    [InlineData("route: /a?b=1", 3, "route", "must not contain a query or fragment ('?' or '#'), got \"/a?b=1\"")]
    [InlineData("runtime: python", 3, "runtime", "expected \"commands\" (the Direktiv command runner), got \"python\"")]
    [InlineData("config:\n  1BAD: x", 4, "config", "expected environment variable names like API_URL, got \"1BAD\"")]
    [InlineData("config:\n  OK: [1, 2]", 4, "config", "expected a single value for \"OK\", got a list")]
    [InlineData("config: FOO=1", 3, "config", "expected a mapping of environment variable names like API_URL to values, got \"FOO=1\"")]
    [InlineData("headers:\n  Bad Header: x", 4, "headers", "expected HTTP header names like Content-Type, got \"Bad Header\"")]
    [InlineData("build: '\"npm install'", 3, "build", "unterminated double quote at column 1")]
    [InlineData("pids: 4", 3, "pids", "expected a whole number of processes of at least 8, got \"4\"")]
    [InlineData("tmp_size: 64M", 3, "tmp_size", "expected a whole number of MB, got \"64M\"")]
    [InlineData("network: bridge", 3, "network", "expected \"host\" or \"none\", got \"bridge\"")]
    [InlineData("writable_folder: yes", 3, "writable_folder", "expected true or false, got \"yes\"")]
    [InlineData("writable_folder: true\nbuild: make", 3, "writable_folder", "cannot be true with a build: the build runs as the agent on the folder, which the function could rewrite")]
    [InlineData("colour: blue", 3, "colour", "unknown key; known keys are name, app, route, cmd, format, type, timeout, idle_timeout, memory, cpus, max_concurrency, min_idle, async_concurrency, retries, config, headers, build, runtime, code, triggers, annotations, auth, pids, tmp_size, network, writable_folder, sonr")]
    public void ABadValueIsReportedWithFileKeyAndLine(string line, int lineNumber, string key, string message)
    {
        var error = OnlyError($"name: hello\ncmd: ./hello.sh\n{line}\n");
        Assert.Equal(new FunctionLoadError(File, key, lineNumber, message), error);
    }

    [Theory]
    [InlineData("", 4, 2, 0)]
    [InlineData("max_concurrency: 1\n", 1, 1, 0)]
    [InlineData("max_concurrency: 7\n", 7, 3, 0)]
    public void AsyncCallsTakeHalfTheFunctionsPlacesAndAreNotRetriedUnlessItSays(string lines, int max, int asyncMax, int retries)
    {
        var f = Good($"name: a\ncmd: x\nformat: json\n{lines}");
        Assert.Equal((max, asyncMax, retries), (f.MaxConcurrency, f.AsyncConcurrency, f.Retries));
    }

    [Fact]
    public void ErrorsReadAsFileLineKeyAndMessage()
    {
        var error = OnlyError("name: hello\ncmd: ./hello.sh\ntimeout: soon\n");
        Assert.Equal("examples/bad/func.yml:3: 'timeout': expected a number of seconds, got \"soon\"", error.ToString());
    }

    [Theory]
    [InlineData("name: Hello\ncmd: x\n", 1, "name", "expected lower-case letters, digits, '-' or '_' starting with a letter or digit, got \"Hello\"")]
    [InlineData("name: -x\ncmd: x\n", 1, "name", "expected lower-case letters, digits, '-' or '_' starting with a letter or digit, got \"-x\"")]
    [InlineData("cmd: x\n", null, "name", "required key is missing")]
    [InlineData("name:\ncmd: x\n", 1, "name", "expected a name, got nothing")]
    [InlineData("name: a\n", null, "cmd", "required key is missing (a list like [\"./hello.sh\"] or a string like \"python3 func.py\")")]
    [InlineData("name: a\ncmd: ''\n", 2, "cmd", "expected a command, got an empty one")]
    [InlineData("name: a\ncmd: []\n", 2, "cmd", "expected a command, got an empty one")]
    [InlineData("name: a\ncmd: \"echo 'hi\"\n", 2, "cmd", "unterminated single quote at column 6")]
    [InlineData("name: a\ncmd:\n  - ./run\n  - {a: 1}\n", 4, "cmd", "expected every word of the command to be a string, got a mapping")]
    [InlineData("name: a\ncmd: {a: 1}\n", 2, "cmd", "expected a list of words or one command string, got a mapping")]
    [InlineData("name: a\nruntime: commands\nformat: json\n", 3, "format", "runtime \"commands\" speaks only the \"direktiv\" format, got \"json\"")]
    public void RequiredKeysAndTheCommandAreChecked(string yaml, int? line, string key, string message)
    {
        Assert.Equal(new FunctionLoadError(File, key, line, message), OnlyError(yaml));
    }

    [Fact]
    public void EveryProblemInAFileIsReportedInLineOrder()
    {
        var parsed = FunctionFileParser.Parse(File, "name: a\ncolour: red\ntimeout: x\ncmd: []\n");
        Assert.Equal([2, 3, 4], parsed.Errors.Select(e => e.Line));
        Assert.Equal(["colour", "timeout", "cmd"], parsed.Errors.Select(e => e.Key));
    }

    [Fact]
    public void AYamlSyntaxErrorGivesTheLineAndColumnYamlDotNetReports()
    {
        var error = OnlyError("name: a\ncmd: x\ntimeout: \"3\n");
        Assert.Equal(File, error.File);
        Assert.Null(error.Key);
        Assert.Equal(3, error.Line);
        Assert.Equal("YAML syntax error at column 10: While scanning a quoted scalar, found unexpected end of stream.", error.Message);
    }

    [Fact]
    public void AnUnclosedFlowListIsASyntaxErrorNotACrash()
    {
        var error = OnlyError("name: a\ncmd: [x, y\ntimeout: 3\n");
        Assert.StartsWith("YAML syntax error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADuplicateKeyIsAnError()
    {
        var error = OnlyError("name: a\ncmd: x\nname: b\n");
        Assert.Equal(3, error.Line);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("# only a comment\n")]
    [InlineData("---\n")]
    public void AnEmptyFileIsAnErrorNamingTheFile(string yaml)
    {
        Assert.Equal(new FunctionLoadError(File, null, null, "the file is empty; a func.yml needs at least 'name' and 'cmd'"), OnlyError(yaml));
    }

    [Theory]
    [InlineData("- name: a\n", "expected a mapping of keys like 'name: hello', got a list")]
    [InlineData("hello\n", "expected a mapping of keys like 'name: hello', got \"hello\"")]
    public void ADocumentThatIsNotAMappingIsAnError(string yaml, string message)
    {
        Assert.Equal(new FunctionLoadError(File, null, 1, message), OnlyError(yaml));
    }

    [Fact]
    public void TwoDocumentsInOneFileAreAnError()
    {
        Assert.Equal(new FunctionLoadError(File, null, 4, "expected one YAML document, found 2"), OnlyError("name: a\ncmd: x\n---\nname: b\n"));
    }
}
