using Fnagent.State;

namespace Fnagent.Agent.Tests.State;

public sealed class FileCallStoreTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("fnagent-store-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public void RetentionCountsTheLogsOfAnEarlierRunOldestFirst()
    {
        var options = new AgentOptions { DataDirectory = _data, Limits = { CallRetention = 3 } };
        var earlier = Enumerable.Range(0, 5).Select(i => Log(new FileCallStore(options), DateTimeOffset.UnixEpoch.AddDays(1 + i))).ToList();

        // A restart keeps the newest three logs readable...
        var store = new FileCallStore(options);
        Assert.Null(store.ReadLog(earlier[1]));
        Assert.Equal("line\n", store.ReadLog(earlier[2]));
        Assert.Equal("line\n", store.ReadLog(earlier[4]));

        // ...and new calls push them out in order.
        Log(store, DateTimeOffset.UtcNow);
        Assert.Null(store.ReadLog(earlier[2]));
        Assert.Equal("line\n", store.ReadLog(earlier[3]));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_data, "logs")).Length);
    }

    [Fact]
    public void RunningCallsAreLiveAndFinishedOnesAreKeptAsTheyEnded()
    {
        var store = new FileCallStore(new AgentOptions { DataDirectory = _data, Limits = { CallRetention = 2 } });
        var now = DateTimeOffset.UtcNow;
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
        store.Finish(record, log);

        Assert.True(store.TryGet(record.CallId, out var kept));
        Assert.Equivalent(record, kept, strict: true);

        // Two newer calls push it out, log and all.
        Log(store, now.AddSeconds(1));
        Log(store, now.AddSeconds(2));
        Assert.False(store.TryGet(record.CallId, out _));
        Assert.Null(store.ReadLog(record.CallId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../../etc/passwd")]
    [InlineData("01m7ytn9yhm008vrpjv9w3pbyg")]
    [InlineData("81M7YTN9YHM008VRPJV9W3PBYG")]
    [InlineData("01M7YTN9YHM008VRPJV9W3PBY")]
    public void AnythingButACallIdIsUnknown(string callId)
    {
        var store = new FileCallStore(new AgentOptions { DataDirectory = _data });
        Assert.False(store.TryGet(callId, out _));
        Assert.Null(store.ReadLog(callId));
    }

    private static string Log(FileCallStore store, DateTimeOffset when)
    {
        var record = new CallRecord { CallId = CallId.New(when), App = "a", Function = "f", Route = "/f", StartedAt = when };
        var log = store.Begin(record);
        log.Append("line");
        record.Status = CallStatus.Success;
        store.Finish(record, log);
        return record.CallId;
    }
}
