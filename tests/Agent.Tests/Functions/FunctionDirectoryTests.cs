using Fnagent.Functions;

namespace Fnagent.Agent.Tests.Functions;

public sealed class FunctionDirectoryTests : IDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(5);

    private readonly TempFolder _root = new();
    private readonly RecordingLogger<FunctionDirectory> _logger = new();

    public void Dispose() => _root.Dispose();

    private FunctionDirectory Open() => new(_root.Path, _logger, TimeSpan.FromMilliseconds(100));

    /// <summary>Waits, at most <see cref="WaitLimit"/>, until <paramref name="condition"/> holds, re-checking after each Changed.</summary>
    private static async Task WaitUntilAsync(FunctionDirectory functions, Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        while (!condition())
        {
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnChanged() => changed.TrySetResult();
            functions.Changed += OnChanged;
            try
            {
                if (condition())
                {
                    return;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    Assert.Fail($"not within {WaitLimit.TotalSeconds} s: {what}; errors: {string.Join("; ", functions.Errors)}");
                }
                // Also re-check now and then: the condition may hold without a new event.
                await Task.WhenAny(changed.Task, Task.Delay(TimeSpan.FromMilliseconds(250))).WaitAsync(left + TimeSpan.FromSeconds(1));
            }
            finally
            {
                functions.Changed -= OnChanged;
            }
        }
    }

    [Fact]
    public void LoadsEveryFuncYmlInTheTreeAndSkipsHiddenAndNodeModulesFolders()
    {
        _root.Write("hello/func.yml", "name: hello\ncmd: ./hello.sh\n");
        _root.Write("apps/images/resize/func.yml", "name: resize\napp: images\ncmd: python3 func.py\n");
        _root.Write("hello/node_modules/dep/func.yml", "name: dep\ncmd: x\n");
        _root.Write(".git/func.yml", "name: git\ncmd: x\n");
        _root.Write("hello/not-func.yml", "name: other\ncmd: x\n");

        using var functions = Open();

        Assert.Empty(functions.Errors);
        Assert.Equal(["resize", "hello"], functions.All.Select(f => f.Name));
        Assert.True(functions.TryFind("default", "/hello", out var hello));
        Assert.Equal(Path.Combine(_root.Path, "hello"), hello.Directory);
        Assert.True(functions.TryFind("images", "/resize", out _));
        Assert.False(functions.TryFind("default", "/resize", out _));
        Assert.False(functions.TryFind("default", "/dep", out _));
    }

    [Theory]
    [InlineData("/hello/")]
    [InlineData("//hello")]
    [InlineData("/./hello")]
    public void TryFindNormalisesTheRouteLikeTheParser(string route)
    {
        _root.Write("hello/func.yml", "name: hello\ncmd: ./hello.sh\n");
        using var functions = Open();
        Assert.True(functions.TryFind("default", route, out _));
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("/x/../hello")]
    [InlineData("/hello?x=1")]
    public void TryFindFindsNothingForAnInvalidRoute(string route)
    {
        _root.Write("hello/func.yml", "name: hello\ncmd: ./hello.sh\n");
        using var functions = Open();
        Assert.False(functions.TryFind("default", route, out _));
    }

    [Fact]
    public void AGoodFileNextToBadOnesStillLoadsAndEachBadOneIsReportedAndLogged()
    {
        _root.Write("good/func.yml", "name: good\ncmd: ./run\n");
        var slow = _root.Write("slow/func.yml", "name: slow\ncmd: ./run\ntimeout: soon\n");
        var broken = _root.Write("broken/func.yml", "name: broken\ncmd: [x\n");
        var empty = _root.Write("empty/func.yml", "");

        using var functions = Open();

        Assert.Equal("good", Assert.Single(functions.All).Name);
        Assert.Equal([broken, empty, slow], functions.Errors.Select(e => e.File));
        Assert.Contains(new FunctionLoadError(slow, "timeout", 3, "expected a number of seconds, got \"soon\""), functions.Errors);
        var logged = _logger.Entries.Where(e => e.Id.Id == 6101).Select(e => e.Message).ToList();
        Assert.Equal(3, logged.Count);
        Assert.Contains(logged, m => m.Contains($"{slow}:3: 'timeout'", StringComparison.Ordinal));
    }

    [Fact]
    public void TwoFunctionsOnOneAppAndRouteAreAnErrorNamingBothFilesAndTheFirstKeepsServing()
    {
        var first = _root.Write("a/func.yml", "name: one\ncmd: ./one\nroute: /same\n");
        var second = _root.Write("b/func.yml", "name: two\n\ncmd: ./two\nroute: /same/\n");

        using var functions = Open();

        Assert.True(functions.TryFind("default", "/same", out var served));
        Assert.Equal(first, served.SourceFile);
        var error = Assert.Single(functions.Errors);
        Assert.Equal((second, "route", 4), (error.File, error.Key, error.Line));
        Assert.Contains(first, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFuncYmlThatIsNotUtf8IsAnErrorWithItsLineNotAValueWithReplacementCharacters()
    {
        var bad = _root.Write("bad/func.yml", "");
        File.WriteAllBytes(bad, [.. "name: bad\ncmd: [echo, \"caf"u8, 0xE9, .. "\"]\n"u8]);
        var bom = _root.Write("bom/func.yml", "");
        File.WriteAllBytes(bom, [0xEF, 0xBB, 0xBF, .. "name: bom\ncmd: [echo, \"caf\u00e9\"]\n"u8]);

        using var functions = Open();

        var error = Assert.Single(functions.Errors);
        Assert.Equal((bad, 2), (error.File, error.Line));
        Assert.Contains("not valid UTF-8 at column 17 (byte 0xE9)", error.Message, StringComparison.Ordinal);
        Assert.Equal(["echo", "caf\u00e9"], Assert.Single(functions.All).Command);
    }

    [Fact]
    public void TheSameRouteInTwoAppsIsNoClash()
    {
        _root.Write("a/func.yml", "name: hello\ncmd: x\n");
        _root.Write("b/func.yml", "name: hello\napp: other\ncmd: x\n");
        using var functions = Open();
        Assert.Empty(functions.Errors);
        Assert.Equal(2, functions.All.Count);
    }

    [Fact]
    public void AMissingRootIsAClearErrorAndNoFunctions()
    {
        var missing = Path.Combine(_root.Path, "nowhere");
        using var functions = new FunctionDirectory(missing, _logger);
        Assert.Empty(functions.All);
        Assert.Equal(new FunctionLoadError(missing, null, null, "the function directory does not exist"), Assert.Single(functions.Errors));
        Assert.Contains(_logger.Entries, e => e.Id.Id == 6102);
    }

    [Fact]
    public async Task ARootThatAppearsLaterIsLoaded()
    {
        var late = Path.Combine(_root.Path, "late");
        using var functions = new FunctionDirectory(late, _logger, TimeSpan.FromMilliseconds(100));
        _root.Write("late/hello/func.yml", "name: hello\ncmd: x\n");
        await WaitUntilAsync(functions, () => functions.TryFind("default", "/hello", out _), "the function in the late root is found");
        Assert.Empty(functions.Errors);
    }

    [Fact]
    public async Task AFileWrittenEditedAndDeletedIsPickedUpLive()
    {
        using var functions = Open();
        Assert.Empty(functions.All);

        var file = _root.Write("hello/func.yml", "name: hello\ncmd: ./v1\n");
        await WaitUntilAsync(functions, () => functions.TryFind("default", "/hello", out _), "a new func.yml is found");

        File.WriteAllText(file, "name: hello\ncmd: ./v2\n");
        await WaitUntilAsync(functions, () => functions.TryFind("default", "/hello", out var f) && f.Command[0] == "./v2", "the edit is seen");

        File.Delete(file);
        await WaitUntilAsync(functions, () => !functions.TryFind("default", "/hello", out _), "the deleted function is gone");
        Assert.Empty(functions.All);
    }

    [Fact]
    public async Task ABadEditKeepsReportingUntilFixedAndDeletingAFolderRemovesItsFunction()
    {
        var file = _root.Write("fn/func.yml", "name: fn\ncmd: x\n");
        using var functions = Open();
        Assert.Single(functions.All);

        File.WriteAllText(file, "name: fn\ncmd: x\ntimeout: soon\n");
        await WaitUntilAsync(functions, () => functions.Errors.Count == 1, "the bad edit is reported");
        Assert.Empty(functions.All);

        File.WriteAllText(file, "name: fn\ncmd: x\ntimeout: 5\n");
        await WaitUntilAsync(functions, () => functions.All.Count == 1, "the fix is loaded");
        Assert.Empty(functions.Errors);

        Directory.Delete(Path.Combine(_root.Path, "fn"), recursive: true);
        await WaitUntilAsync(functions, () => functions.All.Count == 0, "the removed folder's function is gone");
    }

    [Fact]
    public async Task AThrowingChangedHandlerDoesNotStopReloads()
    {
        using var functions = Open();
        functions.Changed += () => throw new InvalidOperationException("handler bug");
        _root.Write("a/func.yml", "name: a\ncmd: x\n");
        await WaitUntilAsync(functions, () => functions.All.Count == 1, "the first function is loaded");
        _root.Write("b/func.yml", "name: b\ncmd: x\n");
        await WaitUntilAsync(functions, () => functions.All.Count == 2, "the second function is loaded");
        Assert.Contains(_logger.Entries, e => e.Id.Id == 6105);
    }

    [Fact]
    public async Task AfterDisposeNoReloadHappens()
    {
        var functions = Open();
        functions.Dispose();
        _root.Write("a/func.yml", "name: a\ncmd: x\n");
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        Assert.Empty(functions.All);
    }
}
