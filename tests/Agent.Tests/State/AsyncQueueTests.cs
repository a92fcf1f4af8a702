using System.Text;
using Fnagent.State;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fnagent.Agent.Tests.State;

public sealed class AsyncQueueTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("fnagent-queue-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task AnAcceptedCallIsStoredWithItsRequestAndRunsOnce()
    {
        await using var queue = Open();
        var id = await Enqueue(queue, "hello");
        Assert.Equal(1, queue.QueuedCount);

        var request = Assert.Single(await queue.ClaimAsync([id]));
        Assert.Equal("hello", Encoding.UTF8.GetString(request.Body));
        Assert.Equal("POST", request.Method);
        Assert.Equal(["a", "b"], request.Headers.Single(h => h.Key == "X-Twice").Value);
        Assert.Equal(1, request.Attempts);
        Assert.Empty(await queue.ClaimAsync([id]));
        Assert.Equal(0, queue.QueuedCount);

        var record = Record(id, CallStatus.Success);
        await queue.CompleteAsync(record, "out"u8.ToArray(), "text/plain");
        var output = queue.ReadOutput(id)!;
        Assert.Equal("out", Encoding.UTF8.GetString(output.Bytes));
        Assert.Equal("text/plain", output.ContentType);
        Assert.Equal(3, output.Total);
    }

    [Fact]
    public async Task ManyConcurrentSubmissionsAreEachCommittedBeforeTheyAreAccepted()
    {
        await using var queue = Open();
        var ids = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Enqueue(queue, $"body {i}")));

        // A second view of the file (an agent after a restart) finds every one.
        await using var restarted = Open();
        var queued = restarted.Recover((_, _) => 0);
        Assert.Equal(ids.Order(StringComparer.Ordinal), queued.Select(q => q.CallId));
    }

    [Fact]
    public async Task PastItsBoundTheQueueRefusesAndStoresNothing()
    {
        await using var queue = Open(maxQueued: 2);
        await Enqueue(queue, "1");
        await Enqueue(queue, "2");
        var record = Record(CallId.New(DateTimeOffset.UtcNow), CallStatus.Queued);
        Assert.False(await queue.EnqueueAsync(new AsyncSubmission(record, "POST", "http://x/", "/", [], "3"u8.ToArray())));
        Assert.Equal(2, queue.Recover((_, _) => 0).Count);
    }

    [Fact]
    public async Task ACallCutOffByACrashRunsAgainOnlyWhenItsFunctionAllowsRetries()
    {
        string once, retried, waiting;
        await using (var queue = Open())
        {
            once = await Enqueue(queue, "once", function: "at-most-once");
            retried = await Enqueue(queue, "again", function: "retries");
            waiting = await Enqueue(queue, "waiting");
            Assert.Equal(2, (await queue.ClaimAsync([once, retried])).Count);

            // Both got their processes; the third was taken, and the agent died before it had one.
            queue.Started(once);
            queue.Started(retried);
            Assert.Single(await queue.ClaimAsync([waiting]));
        }

        // The agent "died" with two calls running: the one whose function allows a retry runs again.
        await using var restarted = Open();
        var queued = restarted.Recover((_, function) => function == "retries" ? 1 : 0);
        // Ids made in one millisecond sort randomly among themselves (State/CallId.cs): compare as a set.
        Assert.Equal(new[] { retried, waiting }.Order(StringComparer.Ordinal), queued.Select(q => q.CallId).Order(StringComparer.Ordinal));
        Assert.Equal(2, Assert.Single(await restarted.ClaimAsync([retried])).Attempts);
        restarted.Started(retried);
        Assert.True(restarted.Store.TryGet(once, out var failed));
        Assert.Equal(CallStatus.Error, failed.Status);
        Assert.Equal(AsyncQueue.StoppedDuringCall, failed.Error);

        // A second crash after its retry was used: no third run.
        await using var again = Open();
        Assert.Equal([waiting], again.Recover((_, function) => function == "retries" ? 1 : 0).Select(q => q.CallId));
    }

    [Fact]
    public async Task RetentionNeverTakesACallThatHasNotEnded()
    {
        await using var queue = Open(options: new AgentOptions { DataDirectory = _data, Limits = { CallRetention = 1, CallRetentionAge = TimeSpan.Zero } });
        var waiting = await Enqueue(queue, "waiting");

        queue.Store.ApplyRetention();

        Assert.True(queue.Store.TryGet(waiting, out var record));
        Assert.Equal(CallStatus.Queued, record.Status);
        Assert.Single(await queue.ClaimAsync([waiting]));
    }

    private OpenQueue Open(int maxQueued = 1000, AgentOptions? options = null)
    {
        var store = new SqliteCallStore(options ?? new AgentOptions { DataDirectory = _data }, TimeProvider.System, NullLogger<SqliteCallStore>.Instance);
        return new OpenQueue(store, new AsyncQueue(store, maxQueued, NullLogger.Instance));
    }

    private static CallRecord Record(string id, CallStatus status) => new()
    {
        CallId = id, App = "a", Function = "f", Route = "/f", Type = "async", StartedAt = DateTimeOffset.UtcNow, Status = status,
    };

    private static async Task<string> Enqueue(OpenQueue queue, string body, string function = "f")
    {
        var record = Record(CallId.New(DateTimeOffset.UtcNow), CallStatus.Queued);
        record = new CallRecord { CallId = record.CallId, App = "a", Function = function, Route = "/" + function, Type = "async", StartedAt = record.StartedAt, Status = CallStatus.Queued };
        var headers = new List<KeyValuePair<string, IReadOnlyList<string>>> { new("X-Twice", ["a", "b"]) };
        Assert.True(await queue.EnqueueAsync(new AsyncSubmission(record, "POST", "http://x/r/a/f", "/r/a/f", headers, Encoding.UTF8.GetBytes(body))));
        return record.CallId;
    }

    /// <summary>A queue and the store it lives in, as one agent holds them.</summary>
    private sealed class OpenQueue(SqliteCallStore store, AsyncQueue queue) : IAsyncDisposable
    {
        public SqliteCallStore Store => store;

        public int QueuedCount => queue.QueuedCount;

        public Task<bool> EnqueueAsync(AsyncSubmission submission) => queue.EnqueueAsync(submission);

        public Task<IReadOnlyList<AsyncRequest>> ClaimAsync(IReadOnlyList<string> ids) => queue.ClaimAsync(ids);

        public void Started(string id) => queue.Started(id);

        public Task CompleteAsync(CallRecord record, byte[] output, string type) => queue.CompleteAsync(record, output, type, output.Length);

        public AsyncOutput? ReadOutput(string id) => queue.ReadOutput(id);

        public IReadOnlyList<QueuedCall> Recover(Func<string, string, int> retries) => queue.Recover(retries);

        public ValueTask DisposeAsync()
        {
            queue.Dispose();
            return store.DisposeAsync();
        }
    }
}
