using Fnagent.State;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fnagent.Agent.Tests.State;

public sealed class SqliteCallStoreTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly string _data = Directory.CreateTempSubdirectory("fnagent-store-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task RecordsAndLogsSurviveARestart()
    {
        string id;
        await using (var store = Open())
        {
            id = Call(store, DateTimeOffset.UtcNow, "line", CallStatus.Error);
        }

        await using var restarted = Open();
        Assert.True(restarted.TryGet(id, out var record));
        Assert.Equal(CallStatus.Error, record.Status);
        Assert.Equal("line\n", restarted.ReadLog(id));
    }

    [Fact]
    public async Task RunningCallsAreLiveAndFinishedOnesAreKeptAsTheyEnded()
    {
        await using var store = Open();
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var record = new CallRecord { CallId = CallId.New(now), App = "a", Function = "f", Route = "/f", StartedAt = now };
        var log = store.Begin(record);

        Assert.True(store.TryGet(record.CallId, out var running));
        Assert.Same(record, running);
        Assert.Equal(CallStatus.Running, running.Status);
        Assert.Equal("", store.ReadLog(record.CallId));

        record.Status = CallStatus.Error;
        record.HttpStatus = 502;
        record.ExitCode = 3;
        record.Pid = 42;
        record.Error = "function exited with code 3";
        record.EndedAt = now.AddMilliseconds(5);
        record.QueueWait = TimeSpan.FromMilliseconds(1.5);
        record.Cold = true;
        store.Finish(record, log);

        // Found at once (from memory), and the same once written.
        Assert.True(store.TryGet(record.CallId, out var finished));
        Assert.Equivalent(record, finished, strict: true);
        Assert.True(await store.FlushAsync(Bound));
        Assert.True(store.TryGet(record.CallId, out var written));
        Assert.NotSame(record, written);
        Assert.Equivalent(record, written, strict: true);
    }

    [Fact]
    public async Task RetentionKeepsTheNewestCallsAndDeletesTheLogsOfTheOthers()
    {
        await using var store = Open(limits => limits.CallRetention = 3);
        var now = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 5).Select(i => Call(store, now.AddSeconds(i - 10), "line")).ToList();
        Assert.True(await store.FlushAsync(Bound));

        store.ApplyRetention();

        Assert.False(store.TryGet(ids[1], out _));
        Assert.Null(store.ReadLog(ids[1]));
        Assert.Equal("line\n", store.ReadLog(ids[2]));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_data, "logs")).Length);
    }

    [Fact]
    public async Task RetentionDeletesCallsAndStrayLogsOlderThanTheAge()
    {
        await using var store = Open(limits => limits.CallRetentionAge = TimeSpan.FromDays(1));
        var now = DateTimeOffset.UtcNow;
        var old = Call(store, now.AddDays(-2), "old");
        var recent = Call(store, now.AddHours(-1), "recent");
        var stray = CallLog.PathFor(Path.Combine(_data, "logs"), CallId.New(now.AddDays(-3)));
        File.WriteAllText(stray, "an earlier agent's\n");
        Assert.True(await store.FlushAsync(Bound));

        store.ApplyRetention();

        Assert.False(store.TryGet(old, out _));
        Assert.Null(store.ReadLog(old));
        Assert.False(File.Exists(stray));
        Assert.Equal("recent\n", store.ReadLog(recent));
    }

    [Fact]
    public async Task ListingIsNewestFirstFilteredAndPagesByAStableCursor()
    {
        await using var store = Open();
        var now = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 7).Select(i => Call(store, now.AddSeconds(i), app: i % 2 == 0 ? "even" : "odd")).ToList();
        Assert.True(await store.FlushAsync(Bound));
        var running = new CallRecord { CallId = CallId.New(now.AddSeconds(10)), App = "even", Function = "f", Route = "/f", StartedAt = now.AddSeconds(10) };
        var log = store.Begin(running);

        var first = store.List(new CallQuery { App = "even", Limit = 2 });
        Assert.Equal([running.CallId, ids[6]], first.Calls.Select(c => c.CallId));
        Assert.Equal(ids[6], first.NextCursor);

        // A call that finishes meanwhile does not move the pages after it.
        Call(store, now.AddSeconds(20), app: "even");
        var second = store.List(new CallQuery { App = "even", Limit = 2, Cursor = first.NextCursor });
        Assert.Equal([ids[4], ids[2]], second.Calls.Select(c => c.CallId));
        var last = store.List(new CallQuery { App = "even", Limit = 2, Cursor = second.NextCursor });
        Assert.Equal([ids[0]], last.Calls.Select(c => c.CallId));
        Assert.Null(last.NextCursor);

        Assert.Equal([ids[3], ids[2]], store.List(new CallQuery { Since = now.AddSeconds(2), Until = now.AddSeconds(4) }).Calls.Select(c => c.CallId));
        Assert.Equal([running.CallId], store.List(new CallQuery { Status = CallStatus.Running }).Calls.Select(c => c.CallId));
        store.Finish(running, log);
    }

    [Fact]
    public async Task ALockedDatabaseNeitherFailsNorSlowsTheCallsItRecords()
    {
        await using var store = Open();
        using var holder = new SqliteConnection($"Data Source={Path.Combine(_data, CallDatabase.FileName)}");
        holder.Open();
        using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE;";
            begin.ExecuteNonQuery();
        }

        // Finish returns while the writer waits for the lock; the record is served from memory.
        var id = Call(store, DateTimeOffset.UtcNow, "line");
        Assert.True(store.TryGet(id, out _));
        Assert.False(await store.FlushAsync(TimeSpan.FromMilliseconds(300)));

        using (var commit = holder.CreateCommand())
        {
            commit.CommandText = "COMMIT;";
            commit.ExecuteNonQuery();
        }

        Assert.True(await store.FlushAsync(Bound));
        Assert.Equal(0, store.WriteFailures);
        Assert.True(store.TryGet(id, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../../etc/passwd")]
    [InlineData("01m7ytn9yhm008vrpjv9w3pbyg")]
    [InlineData("81M7YTN9YHM008VRPJV9W3PBYG")]
    [InlineData("01M7YTN9YHM008VRPJV9W3PBY")]
    public async Task AnythingButACallIdIsUnknown(string callId)
    {
        await using var store = Open();
        Assert.False(store.TryGet(callId, out _));
        Assert.Null(store.ReadLog(callId));
    }

    private SqliteCallStore Open(Action<LimitOptions>? limits = null)
    {
        var options = new AgentOptions { DataDirectory = _data };
        limits?.Invoke(options.Limits);
        return new SqliteCallStore(options, TimeProvider.System, NullLogger<SqliteCallStore>.Instance);
    }

    private static string Call(SqliteCallStore store, DateTimeOffset when, string? line = null, CallStatus status = CallStatus.Success, string app = "a")
    {
        var record = new CallRecord { CallId = CallId.New(when), App = app, Function = "f", Route = "/f", StartedAt = when };
        var log = store.Begin(record);
        if (line is not null)
        {
            log.Append(line);
        }

        record.Status = status;
        record.EndedAt = when;
        store.Finish(record, log);
        return record.CallId;
    }
}
