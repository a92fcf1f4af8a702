using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Fnagent.State;

/// <summary>
/// Every write of the call database, on one connection kept open, by one loop. SQLite lets
/// one writer in at a time and a second connection waits out a lock by sleeping, so the
/// records of finished calls and the async queue's work share this loop instead of taking
/// turns at the lock. Records are fire-and-forget and gather for <see cref="GatherDelay"/>;
/// work someone waits for (an accepted async call, a claim, a completion) goes in the next
/// transaction at once, with whatever else is waiting then (group commit).
/// </summary>
public sealed class CallDatabaseWriter : IAsyncDisposable
{
    /// <summary>
    /// How long records gather before a transaction when nobody waits: under load one commit
    /// then carries many calls instead of one or two (a commit per call cost the hot path a
    /// measurable share of two CPUs: docs/performance.md); the bound on how late a record is written.
    /// </summary>
    public static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(10);

    private const int MaxRecords = 512;
    private const int MaxWork = 256;

    private readonly CallDatabase _database;
    private readonly Channel<CallRecord> _records;
    private readonly Channel<DatabaseWork> _work = Channel.CreateUnbounded<DatabaseWork>(new UnboundedChannelOptions { SingleReader = true });

    // Signals, one pending at most: something was queued; work someone waits for was queued.
    private readonly Channel<bool> _wake = Signal();
    private readonly Channel<bool> _urgent = Signal();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Task _loop;
    private SqliteConnection? _connection;
    private long _failures;

    /// <param name="maxUnwritten">How many records may wait to be written; past it <see cref="TryWrite"/> refuses.</param>
    public CallDatabaseWriter(CallDatabase database, int maxUnwritten, TimeProvider time, ILogger logger)
    {
        _database = database;
        _time = time;
        _logger = logger;
        _records = Channel.CreateBounded<CallRecord>(new BoundedChannelOptions(maxUnwritten)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails: the caller drops and counts
        });
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Told which records a transaction held once it ended, and whether it committed.</summary>
    public event Action<IReadOnlyList<CallRecord>, bool>? RecordsWritten;

    /// <summary>Transactions the database refused (full disk, locked past its timeout, broken file).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Queues a record to be written; false when <c>maxUnwritten</c> wait already.</summary>
    public bool TryWrite(CallRecord record)
    {
        if (!_records.Writer.TryWrite(record))
        {
            return false;
        }

        _wake.Writer.TryWrite(true);
        return true;
    }

    /// <summary>
    /// Runs <paramref name="work"/> inside the next transaction, on its own savepoint: its
    /// result once committed; its own exception (nothing of it kept), or the commit's.
    /// </summary>
    public Task<T> RunAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        var item = new DatabaseWork<T>(work);
        if (!_work.Writer.TryWrite(item))
        {
            return Task.FromException<T>(new ObjectDisposedException(nameof(CallDatabaseWriter)));
        }

        _urgent.Writer.TryWrite(true);
        _wake.Writer.TryWrite(true);
        return item.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _records.Writer.TryComplete();
        _work.Writer.TryComplete();
        _wake.Writer.TryComplete();

        // What was queued is committed before the agent exits: a clean stop loses nothing.
        await _loop.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_loop.IsCompleted)
        {
            _connection?.Dispose();
        }
    }

    private async Task LoopAsync()
    {
        var records = new List<CallRecord>(MaxRecords);
        var work = new List<DatabaseWork>(MaxWork);
        while (await _wake.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            _wake.Reader.TryRead(out _);
            await GatherAsync().ConfigureAwait(false);
            WriteWaiting(records, work);
        }

        // Stopped: what is still queued is written before the agent exits.
        WriteWaiting(records, work);
    }

    /// <summary>Records alone wait up to <see cref="GatherDelay"/> for company; work someone waits for ends the wait.</summary>
    private async Task GatherAsync()
    {
        _urgent.Reader.TryRead(out _);
        if (_work.Reader.TryPeek(out _) || _records.Reader.Count >= MaxRecords || _records.Reader.Completion.IsCompleted)
        {
            return;
        }

        using var gathered = new CancellationTokenSource();
        var urgent = _urgent.Reader.WaitToReadAsync(gathered.Token).AsTask();
        await Task.WhenAny(urgent, Task.Delay(GatherDelay, _time, gathered.Token)).ConfigureAwait(false);
        await gathered.CancelAsync().ConfigureAwait(false);
    }

    private void WriteWaiting(List<CallRecord> records, List<DatabaseWork> work)
    {
        do
        {
            while (work.Count < MaxWork && _work.Reader.TryRead(out var item))
            {
                work.Add(item);
            }

            while (records.Count < MaxRecords && _records.Reader.TryRead(out var record))
            {
                records.Add(record);
            }

            if (records.Count + work.Count > 0)
            {
                Write(records, work);
            }

            var full = records.Count == MaxRecords || work.Count == MaxWork;
            records.Clear();
            work.Clear();
            if (!full)
            {
                return;
            }
        }
        while (true);
    }

    private void Write(List<CallRecord> records, List<DatabaseWork> work)
    {
        var committed = false;
        try
        {
            var connection = _connection ??= _database.Connect();
            using var transaction = connection.BeginTransaction();
            foreach (var item in work)
            {
                item.Apply(connection, transaction);
            }

            CallRows.Upsert(connection, transaction, records);
            transaction.Commit();
            committed = true;
        }
        catch (Exception e) when (e is SqliteException or IOException or InvalidOperationException)
        {
            // A fresh connection for the next transaction: this one may be broken.
            _connection?.Dispose();
            _connection = null;
            Interlocked.Increment(ref _failures);
            _logger.CallDatabaseWriteFailed(records.Count, work.Count, _database.Path, e.Message);
            foreach (var item in work)
            {
                item.Fail(e);
            }
        }

        if (committed)
        {
            foreach (var item in work)
            {
                item.Commit();
            }
        }

        if (records.Count > 0)
        {
            RecordsWritten?.Invoke(records, committed);
        }
    }

    private static Channel<bool> Signal() =>
        Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private abstract class DatabaseWork
    {
        public abstract void Apply(SqliteConnection connection, SqliteTransaction transaction);

        public abstract void Commit();

        public abstract void Fail(Exception e);
    }

    private sealed class DatabaseWork<T>(Func<SqliteConnection, SqliteTransaction, T> work) : DatabaseWork
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private bool _failed;

        public Task<T> Task => _done.Task;

        public override void Apply(SqliteConnection connection, SqliteTransaction transaction)
        {
            transaction.Save("work");
            try
            {
                _result = work(connection, transaction);
                transaction.Release("work");
            }
            catch (Exception e) when (e is SqliteException or ArgumentException or InvalidOperationException)
            {
                // Only this item is undone; the transaction goes on with the others.
                transaction.Rollback("work");
                _failed = true;
                _done.TrySetException(e);
            }
        }

        public override void Commit()
        {
            if (!_failed)
            {
                _done.TrySetResult(_result!);
            }
        }

        public override void Fail(Exception e) => _done.TrySetException(e);
    }
}
