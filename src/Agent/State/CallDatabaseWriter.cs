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

    /// <summary>How often the write-ahead log is copied into the database file (see <see cref="Checkpoint"/>).</summary>
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(1);

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
    private long _lastCheckpoint;
    private SqliteConnection? _connection;
    private DatabaseWrite? _write;
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

    /// <summary>Told which records a transaction held once it ended, committed or given up (then logged and counted).</summary>
    public event Action<IReadOnlyList<CallRecord>>? RecordsWritten;

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
    /// Runs <paramref name="work"/> inside the next transaction: its result once committed;
    /// else the exception that undid the transaction (of this work or another in it: a
    /// database that refuses one write refuses them all; nothing of any is kept).
    /// </summary>
    public Task<T> RunAsync<T>(Func<DatabaseWrite, T> work)
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
            Disconnect();
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
            var write = Connect();
            using var transaction = _connection!.BeginTransaction();
            write.Transaction = transaction;
            foreach (var item in work)
            {
                item.Apply(write);
            }

            CallRows.Upsert(write, records);
            transaction.Commit();
            committed = true;
        }
        catch (Exception e)
        {
            // Whatever undid the transaction fails its work, never the loop: every caller hears back.
            // A fresh connection for the next transaction: this one may be broken.
            Disconnect();
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
            RecordsWritten?.Invoke(records);
        }

        if (committed)
        {
            Checkpoint();
        }
    }

    /// <summary>
    /// Copies the write-ahead log into the database file, at most every
    /// <see cref="CheckpointInterval"/>, between the writer's own transactions. Left to SQLite,
    /// the checkpoint and its fsync run inside whichever commit passes 1000 pages, while every
    /// caller of that commit waits; run on another connection, it never catches up with a
    /// writer that commits all the time, and the log grows without end. Here no other write
    /// runs meanwhile, so the log is copied whole and starts over at the next transaction
    /// (unless a reader still reads an older state: then the next time).
    /// </summary>
    private void Checkpoint()
    {
        var now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_lastCheckpoint, now) < CheckpointInterval)
        {
            return;
        }

        _lastCheckpoint = now;
        try
        {
            CallDatabase.Execute(_connection!, "PRAGMA wal_checkpoint(PASSIVE);");
        }
        catch (SqliteException e)
        {
            _logger.CheckpointFailed(_database.Path, e.Message);
        }
    }

    private DatabaseWrite Connect()
    {
        if (_write is null)
        {
            _connection = _database.Connect();

            // Checkpoints (with their fsync) run between the writer's commits, not in them (see
            // Checkpoint); a log that grew under load is cut back to 64 MB once copied.
            CallDatabase.Execute(_connection, "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;");
            _write = new DatabaseWrite(_connection);
        }

        return _write;
    }

    private void Disconnect()
    {
        _write?.Dispose();
        _write = null;
        _connection?.Dispose();
        _connection = null;
    }

    private static Channel<bool> Signal() =>
        Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private abstract class DatabaseWork
    {
        public abstract void Apply(DatabaseWrite write);

        public abstract void Commit();

        public abstract void Fail(Exception e);
    }

    private sealed class DatabaseWork<T>(Func<DatabaseWrite, T> work) : DatabaseWork
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _done.Task;

        public override void Apply(DatabaseWrite write) => _result = work(write);

        public override void Commit() => _done.TrySetResult(_result!);

        public override void Fail(Exception e) => _done.TrySetException(e);
    }
}
