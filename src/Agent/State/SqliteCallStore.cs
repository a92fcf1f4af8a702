using Microsoft.Extensions.Logging;

namespace Fnagent.State;

/// <summary>
/// The embedded call store: records in SQLite (<see cref="CallDatabase"/>), logs as one file
/// per call under <c>&lt;data&gt;/logs</c> beside it, both surviving a restart. A call's record
/// is written after it finished, off its path: <see cref="Finish"/> only queues it, and one
/// writer commits what is queued in short transactions (<see cref="CallDatabaseWriter"/>).
/// Until committed, a record is served from memory, so a caller reading it right after its
/// answer always finds it.
/// </summary>
public sealed partial class SqliteCallStore : ICallStore, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<UInt128, CallRecord> _running = [];
    private readonly Dictionary<UInt128, CallRecord> _unwritten = [];
    private readonly CallDatabase _database;
    private readonly CallDatabaseWriter _writer;
    private readonly string _logDirectory;
    private readonly long _maxLogBytes;
    private readonly StoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _retention;
    private long _dropped;

    public SqliteCallStore(AgentOptions options, TimeProvider time, ILogger<SqliteCallStore> logger)
    {
        _options = new StoreOptions(options.Limits);
        _time = time;
        _logger = logger;
        _database = CallDatabase.Open(options.DataDirectory);
        _logDirectory = Path.GetFullPath(Path.Combine(options.DataDirectory, "logs"));
        _maxLogBytes = options.Limits.MaxLogBytesPerCall;
        Directory.CreateDirectory(_logDirectory);
        _writer = new CallDatabaseWriter(_database, _options.MaxUnwritten, time, logger);
        _writer.RecordsWritten += Forget;
        _retention = time.CreateTimer(_ => ApplyRetention(), null, TimeSpan.Zero, _options.RetentionInterval);
    }

    /// <summary>Records that could not be queued (the writer fell behind by <c>MaxUnwrittenRecords</c>).</summary>
    public long DroppedRecords => Interlocked.Read(ref _dropped);

    /// <summary>Batches the database refused (full disk, locked past its timeout, broken file).</summary>
    public long WriteFailures => _writer.Failures;

    /// <summary>The database file, for the async queue beside the records.</summary>
    internal CallDatabase Database => _database;

    /// <summary>The database's one writer, shared with the async queue.</summary>
    internal CallDatabaseWriter Writer => _writer;

    public CallLog Begin(CallRecord record)
    {
        var id = Key(record.CallId);
        lock (_gate)
        {
            _running[id] = record;
        }

        return new CallLog(_logDirectory, record.CallId, _maxLogBytes);
    }

    public void Finish(CallRecord record, CallLog log)
    {
        log.Dispose();
        var id = Key(record.CallId);
        lock (_gate)
        {
            _running.Remove(id);
            _unwritten[id] = record;
        }

        // An async call's record is written with its output (AsyncQueue.CompleteAsync),
        // which then forgets it here.
        if (record.Type != "async" && !_writer.TryWrite(record))
        {
            lock (_gate)
            {
                _unwritten.Remove(id);
            }

            if (Interlocked.Increment(ref _dropped) is var dropped && (dropped & (dropped - 1)) == 0)
            {
                _logger.CallRecordsDropped(dropped, _options.MaxUnwritten);
            }
        }
    }

    public void AppendLate(CallLog log, IReadOnlyList<string> lines)
    {
        // Lines of a call the store no longer keeps are dropped, as its log file is gone.
        if (TryGet(log.CallId, out _))
        {
            log.AppendLate(lines);
        }
    }

    public bool TryGet(string callId, out CallRecord record)
    {
        record = null!;
        if (!CallId.TryParse(callId, out var id))
        {
            return false;
        }

        lock (_gate)
        {
            if (_running.TryGetValue(id, out record!) || _unwritten.TryGetValue(id, out record!))
            {
                return true;
            }
        }

        return (record = ReadRecord(callId)!) is not null;
    }

    public string? ReadLog(string callId)
    {
        // Only ids this agent makes ever touch the file system.
        if (!CallId.TryParse(callId, out _))
        {
            return null;
        }

        var path = CallLog.PathFor(_logDirectory, callId);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return TryGet(callId, out _) ? "" : null;
        }
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) until every record finished so far is written or given up.</summary>
    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        var until = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        while (true)
        {
            lock (_gate)
            {
                if (_unwritten.Count == 0)
                {
                    return true;
                }
            }

            if (_time.GetTimestamp() > until)
            {
                return false;
            }

            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _retention.DisposeAsync().ConfigureAwait(false);
        await _writer.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Written or given up (the writer logged and counted it): read from the file from now on.</summary>
    internal void Forget(IReadOnlyList<CallRecord> records)
    {
        lock (_gate)
        {
            foreach (var record in records)
            {
                _unwritten.Remove(Key(record.CallId));
            }
        }
    }

    private static UInt128 Key(string callId) =>
        CallId.TryParse(callId, out var id) ? id : throw new ArgumentException($"not a call id: {callId}", nameof(callId));

    /// <summary>The store's bounds, from the agent's limits.</summary>
    private sealed record StoreOptions(int MaxUnwritten, int Retention, TimeSpan RetentionAge, TimeSpan RetentionInterval, int BatchSize)
    {
        public StoreOptions(LimitOptions limits)
            : this(limits.MaxUnwrittenRecords, Math.Max(1, limits.CallRetention), limits.CallRetentionAge, limits.CallRetentionInterval, 512)
        {
        }
    }
}
