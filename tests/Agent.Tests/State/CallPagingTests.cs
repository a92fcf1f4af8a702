using System.Globalization;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;
using Fnagent.State;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Fnagent.Agent.Tests.State;

/// <summary>
/// Listing a few thousand calls, by every filter and page size: each matching call exactly
/// once, newest first, wherever the store holds it (the file, memory before its write, running).
/// </summary>
public sealed class CallPagingTests : IDisposable
{
    private const int Written = 3000;
    private const int Unwritten = 200; // under the writer's batch size, so it waits for its gathering delay
    private const int Running = 40;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly string[] Apps = ["tests", "billing", "web"];
    private static readonly string[] Functions = ["echo", "slow", "fails", "report"];
    private static readonly CallStatus[] Statuses = [CallStatus.Success, CallStatus.Success, CallStatus.Error, CallStatus.Timeout, CallStatus.Cancelled];
    private static readonly int[] Limits = [7, 100, CallQuery.MaxLimit];

    private readonly string _data = Directory.CreateTempSubdirectory("fnagent-paging-").FullName;

    // Two calls per millisecond, 150 s apart, over the last few days (within the default age retention).
    private readonly DateTimeOffset _start = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddDays(-4).ToUnixTimeMilliseconds());

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task EveryFilterAndPageSizeListsEachMatchingCallOnceNewestFirst()
    {
        var all = await WriteAsync(0, Written);

        // A second store whose writer gathers on a clock that does not move: what it finishes
        // stays in memory, unwritten, for as long as the test lists.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new SqliteCallStore(new AgentOptions { DataDirectory = _data }, time, NullLogger<SqliteCallStore>.Instance);
        try
        {
            var unwritten = Enumerable.Range(Written, Unwritten).Select(Record).ToList();
            foreach (var record in unwritten)
            {
                store.Finish(record, store.Begin(record));
            }

            var running = Enumerable.Range(Written + Unwritten, Running).Select(Record).ToList();
            foreach (var record in running)
            {
                record.Status = CallStatus.Running;
                record.EndedAt = null;
                store.Begin(record);
            }

            // Some were committed by the writer but not yet forgotten by the store: in both places, listed once.
            using (var connection = new SqliteConnection($"Data Source={Path.Combine(_data, CallDatabase.FileName)}"))
            {
                connection.Open();
                using var transaction = connection.BeginTransaction();
                using (var write = new DatabaseWrite(connection) { Transaction = transaction })
                {
                    CallRows.Upsert(write, unwritten.Take(50));
                }

                transaction.Commit();
                using var count = connection.CreateCommand();
                count.CommandText = "SELECT COUNT(*) FROM calls;";
                Assert.Equal(Written + 50L, count.ExecuteScalar());
            }

            all.AddRange(unwritten);
            all.AddRange(running);
            Assert.Equal(Written + Unwritten + Running, all.Select(r => r.CallId).Distinct().Count());

            foreach (var query in Queries())
            {
                var expected = Expected(all, query);
                foreach (var limit in Limits)
                {
                    var listed = PageThrough(store, query with { Limit = limit });
                    Assert.True(expected.SequenceEqual(listed.Select(r => r.CallId)), $"{query} limit {limit}: {listed.Count} listed, {expected.Count} expected");
                }

                // A cursor that is any call's id, matching the filter or not, goes on from there.
                var from = all[Written / 2].CallId;
                var rest = PageThrough(store, query with { Limit = 100, Cursor = from });
                Assert.Equal(Expected(all, query with { Cursor = from }), rest.Select(r => r.CallId));
            }

            // Field by field, from the file as from memory.
            SchemaMigrationTests.AssertRecords(all.OrderByDescending(Key), PageThrough(store, new CallQuery { Limit = CallQuery.MaxLimit }));
        }
        finally
        {
            await DisposeWhileTheClockRunsAsync(store, time);
        }
    }

    [Fact]
    public async Task GetV1CallsPagesByNextCursorUntilItIsNull()
    {
        var all = await WriteAsync(0, Written);
        await using var agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, options => options.DataDirectory = _data);

        (string Query, CallQuery Filter, int Limit)[] passes =
        [
            ("", new CallQuery(), 100),
            ("app=billing&status=error", new CallQuery { App = "billing", Status = CallStatus.Error }, 7),
            ($"fn=slow&since={Iso(At(600))}&until={Iso(At(2400))}", new CallQuery { Function = "slow", Since = At(600), Until = At(2400) }, CallQuery.MaxLimit),
        ];
        foreach (var (query, filter, limit) in passes)
        {
            var expected = all.Where(r => Matches(filter, r)).OrderByDescending(Key).ToList();
            var listed = new List<JsonElement>();
            string? cursor = null;
            for (var pages = 0; ; pages++)
            {
                Assert.True(pages <= (expected.Count / limit) + 1, $"{query}: more pages than calls");
                var url = $"v1/calls?{query}&limit={limit}" + (cursor is null ? "" : $"&cursor={cursor}");
                using var page = JsonDocument.Parse(await agent.Client.GetStringAsync(url));
                var calls = page.RootElement.GetProperty("calls").EnumerateArray().Select(c => c.Clone()).ToList();
                listed.AddRange(calls);
                var next = page.RootElement.GetProperty("next_cursor");
                if (next.ValueKind == JsonValueKind.Null)
                {
                    break;
                }

                Assert.Equal(limit, calls.Count);
                cursor = next.GetString();
                Assert.Equal(calls[^1].GetProperty("call_id").GetString(), cursor);
            }

            Assert.Equal(expected.Select(r => r.CallId), listed.Select(c => c.GetProperty("call_id").GetString()));
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].App, listed[i].GetProperty("app").GetString());
                Assert.Equal(expected[i].Function, listed[i].GetProperty("function").GetString());
                Assert.Equal(CallRows.StatusName(expected[i].Status), listed[i].GetProperty("status").GetString());
                Assert.Equal(expected[i].StartedAt, listed[i].GetProperty("started_at").GetDateTimeOffset());
            }
        }
    }

    /// <summary>Filters alone and combined; the times fall on calls exactly (since includes them, until not).</summary>
    private IEnumerable<CallQuery> Queries() =>
    [
        new(),
        new() { App = "billing" },
        new() { Function = "slow" },
        new() { Status = CallStatus.Error },
        new() { Status = CallStatus.Running },
        new() { Status = CallStatus.Queued },
        new() { App = "nowhere" },
        new() { Since = At(1000) },
        new() { Until = At(2000) },
        new() { Since = At(1001), Until = At(1999) },
        new() { Since = At(Written + 100) },
        new() { Until = At(Written + Unwritten + 10) },
        new() { App = "web", Function = "report" },
        new() { App = "tests", Function = "fails", Status = CallStatus.Timeout, Since = At(300), Until = At(Written + Unwritten + Running) },
    ];

    /// <summary>Every page of <paramref name="query"/>, following <c>NextCursor</c>; each full but the last.</summary>
    private static List<CallRecord> PageThrough(SqliteCallStore store, CallQuery query)
    {
        var listed = new List<CallRecord>();
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages <= ((Written + Unwritten + Running) / query.Limit) + 1, $"{query}: more pages than calls");
            var page = store.List(query);
            listed.AddRange(page.Calls);
            if (page.NextCursor is null)
            {
                return listed;
            }

            Assert.Equal(query.Limit, page.Calls.Count);
            Assert.Equal(page.Calls[^1].CallId, page.NextCursor);
            query = query with { Cursor = page.NextCursor };
        }
    }

    /// <summary>The ids <paramref name="query"/> must list, computed from what was written.</summary>
    private static List<string> Expected(IEnumerable<CallRecord> all, CallQuery query) =>
        all.Where(r => Matches(query, r) && (query.Cursor is null || Key(r) < Key(query.Cursor))).OrderByDescending(Key).Select(r => r.CallId).ToList();

    private static bool Matches(CallQuery query, CallRecord r) =>
        (query.App is null || r.App == query.App)
        && (query.Function is null || r.Function == query.Function)
        && (query.Status is null || r.Status == query.Status)
        && (query.Since is null || r.StartedAt >= query.Since)
        && (query.Until is null || r.StartedAt < query.Until);

    private static UInt128 Key(CallRecord record) => Key(record.CallId);

    private static UInt128 Key(string callId) => CallId.TryParse(callId, out var key) ? key : throw new ArgumentException(callId);

    /// <summary>Calls <paramref name="first"/> on, written through a store's own path (begun, finished, flushed), the store then closed.</summary>
    private async Task<List<CallRecord>> WriteAsync(int first, int count)
    {
        var records = Enumerable.Range(first, count).Select(Record).ToList();
        await using var store = new SqliteCallStore(new AgentOptions { DataDirectory = _data }, TimeProvider.System, NullLogger<SqliteCallStore>.Instance);
        foreach (var record in records)
        {
            store.Finish(record, store.Begin(record));
        }

        Assert.True(await store.FlushAsync(Bound));
        Assert.Equal(0, store.DroppedRecords);
        return records;
    }

    /// <summary>Call <paramref name="n"/>: app, function and status cycle at different rates, so every mix occurs.</summary>
    private CallRecord Record(int n)
    {
        var started = At(n);
        var status = Statuses[(n / 12) % Statuses.Length];
        return new CallRecord
        {
            CallId = CallId.New(started),
            App = Apps[n % Apps.Length],
            Function = Functions[(n / Apps.Length) % Functions.Length],
            Route = "/" + Functions[(n / Apps.Length) % Functions.Length],
            StartedAt = started,
            Status = status,
            EndedAt = started.AddMilliseconds(n % 97),
            HttpStatus = status == CallStatus.Success ? 200 : 502,
            Pid = 1000 + (n % 13),
            Cold = n % 4 == 0,
            QueueWait = TimeSpan.FromMilliseconds((n % 8) * 0.25),
        };
    }

    private DateTimeOffset At(int n) => _start.AddSeconds(n / 2 * 150);

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>Disposes a store whose writer waits on <paramref name="time"/>, moving the clock until its last batch is written.</summary>
    private static async Task DisposeWhileTheClockRunsAsync(SqliteCallStore store, FakeTimeProvider time)
    {
        var disposing = store.DisposeAsync().AsTask();
        while (!disposing.IsCompleted)
        {
            time.Advance(CallDatabaseWriter.GatherDelay);
            await Task.WhenAny(disposing, Task.Delay(5));
        }

        await disposing;
    }
}
