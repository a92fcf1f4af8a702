using Fnagent.Direktiv;
using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Invocation;
using Fnagent.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fnagent.Agent.Tests.Direktiv;

/// <summary>
/// Which action ids the log endpoint still takes lines for (docs/protocols.md §8): running
/// calls, and ended ones for a bounded grace, at most a bounded number of them.
/// </summary>
public sealed class DirektivCallsTests : IDisposable
{
    private static readonly FunctionDefinition Function = new()
    {
        Name = "f", App = "a", Route = "/f", Command = ["f"], Format = FunctionFormat.Direktiv, Directory = "/", SourceFile = "/func.yml",
    };

    private readonly string _data = Directory.CreateTempSubdirectory("fnagent-dkcalls-").FullName;
    private readonly Clock _clock = new();
    private readonly AgentOptions _options;
    private readonly SqliteCallStore _store;
    private readonly DirektivCalls _calls;

    public DirektivCallsTests()
    {
        _options = new AgentOptions
        {
            DataDirectory = _data,
            Limits = { CallRetention = 3, MaxLogBytesPerCall = 16 },
            Direktiv = { LateLogGrace = TimeSpan.FromSeconds(3), MaxLateLogCalls = 2 },
        };
        _store = new SqliteCallStore(_options, TimeProvider.System, NullLogger<SqliteCallStore>.Instance);
        _calls = new DirektivCalls(_store, _options, _clock, NullLogger<DirektivCalls>.Instance);
    }

    public void Dispose()
    {
        _store.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public void ALineForAnEndedCallIsAppendedWithinTheGraceAndRefusedAfterIt()
    {
        var call = Run("during");
        Log(call, "late");
        Assert.Equal("during\nlate\n", _store.ReadLog(call));

        _clock.Advance(TimeSpan.FromSeconds(3));
        Assert.False(_calls.TryGet(call, out _));
        Assert.Equal("during\nlate\n", _store.ReadLog(call));
    }

    [Fact]
    public void OnlyTheNewestEndedCallsAreRemembered()
    {
        var first = Run();
        var second = Run();
        var third = Run();

        Assert.False(_calls.TryGet(first, out _));
        Assert.True(_calls.TryGet(second, out _));
        Assert.True(_calls.TryGet(third, out _));
    }

    [Fact]
    public void LateLinesKeepTheLogsCap()
    {
        var call = Run("12345");
        Log(call, "6789", "more", "still more", "and more");

        Assert.Equal("12345\n6789\nmore\n----- log truncated at 16 bytes -----\n", _store.ReadLog(call));
    }

    [Fact]
    public async Task ALogFirstWrittenLateGoesWhenItsCallIsEvicted()
    {
        var call = Run();
        Log(call, "late");
        var path = CallLog.PathFor(Path.Combine(_data, "logs"), call);
        Assert.True(File.Exists(path));

        Run();
        Run();
        Run();
        Assert.True(await _store.FlushAsync(TimeSpan.FromSeconds(10)));
        _store.ApplyRetention();
        Assert.False(File.Exists(path));
    }

    /// <summary>A call that runs and ends now, logging <paramref name="lines"/> while it runs.</summary>
    private string Run(params string[] lines)
    {
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var now = DateTimeOffset.UtcNow.AddMilliseconds(_clock.GetTimestamp());
        var record = new CallRecord { CallId = CallId.New(now), App = "a", Function = "f", Route = "/f", StartedAt = now };
        var log = _store.Begin(record);
        var request = new FunctionRequest { CallId = record.CallId, Method = "POST", RequestUrl = "http://x/r/a/f", Target = "/r/a/f", Deadline = now.AddSeconds(30) };
        var call = new Call(Function, request, record, log, NullLogger.Instance);
        using (_calls.Register(call))
        {
            Log(record.CallId, lines);
        }

        record.Status = CallStatus.Success;
        _store.Finish(record, log);
        return record.CallId;
    }

    private void Log(string actionId, params string[] lines)
    {
        Assert.True(_calls.TryGet(actionId, out var target));
        _calls.Append(target, lines);
    }

    /// <summary>Time that moves only when told to.</summary>
    private sealed class Clock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
