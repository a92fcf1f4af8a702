using Microsoft.Data.Sqlite;

namespace Fnagent.State;

/// <summary>
/// The one writer: it wakes for the first record, gathers for <see cref="GatherDelay"/>, and
/// writes what is queued then in one transaction, on a connection of its own kept open.
/// </summary>
public sealed partial class SqliteCallStore
{
    /// <summary>
    /// How long the writer lets records gather before a transaction: under load one commit
    /// then carries many calls instead of one or two (a commit per call cost the hot path a
    /// measurable share of two CPUs: docs/performance.md); the bound on how late a record is written.
    /// </summary>
    public static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(10);

    private Microsoft.Data.Sqlite.SqliteConnection? _writerConnection;

    private async Task WriteLoopAsync()
    {
        var batch = new List<CallRecord>(_options.BatchSize);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (reader.Count < _options.BatchSize && !reader.Completion.IsCompleted)
            {
                await Task.Delay(GatherDelay, _time).ConfigureAwait(false);
            }

            while (batch.Count < _options.BatchSize && reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            try
            {
                WriteBatch(batch);
            }
            catch (Exception e) when (e is SqliteException or IOException or InvalidOperationException)
            {
                // A fresh connection for the next batch: this one may be broken.
                _writerConnection?.Dispose();
                _writerConnection = null;
                Interlocked.Increment(ref _writeFailures);
                _logger.CallRecordsNotWritten(batch.Count, _database.Path, e.Message);
            }

            lock (_gate)
            {
                foreach (var record in batch)
                {
                    _unwritten.Remove(Key(record.CallId));
                }
            }

            batch.Clear();
        }
    }

    private void WriteBatch(List<CallRecord> batch)
    {
        var connection = _writerConnection ??= _database.Connect();
        using var transaction = connection.BeginTransaction();
        CallRows.Upsert(connection, transaction, batch);
        transaction.Commit();
    }

    public static string StatusName(CallStatus status) => status switch
    {
        CallStatus.Queued => "queued",
        CallStatus.Running => "running",
        CallStatus.Success => "success",
        CallStatus.Error => "error",
        CallStatus.Timeout => "timeout",
        CallStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    private static CallStatus ParseStatus(string name) => name switch
    {
        "queued" => CallStatus.Queued,
        "running" => CallStatus.Running,
        "success" => CallStatus.Success,
        "timeout" => CallStatus.Timeout,
        "cancelled" => CallStatus.Cancelled,
        _ => CallStatus.Error,
    };
}
