using Microsoft.Data.Sqlite;

namespace Fnagent.State;

/// <summary>The one writer: whatever is queued when it wakes goes in one transaction.</summary>
public sealed partial class SqliteCallStore
{
    private async Task WriteLoopAsync()
    {
        var batch = new List<CallRecord>(_options.BatchSize);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Under load the queue fills while a transaction commits: batches grow by
            // themselves, and a quiet agent writes each call at once.
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
        using var connection = _database.Connect();
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
