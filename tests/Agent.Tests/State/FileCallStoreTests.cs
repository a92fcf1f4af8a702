using Fnagent.Invocation;
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

    private static string Log(FileCallStore store, DateTimeOffset when)
    {
        var record = new CallRecord { CallId = CallId.New(when), App = "a", Function = "f", Route = "/f", StartedAt = when };
        using var log = store.Begin(record);
        log.Append("line");
        return record.CallId;
    }
}
