using Microsoft.Data.Sqlite;

namespace Fnagent.State;

/// <summary>The one writer: whatever is queued when it wakes goes in one transaction.</summary>
public sealed partial class SqliteCallStore
{
    private const string Upsert = """
        INSERT OR REPLACE INTO calls (id, app, function, route, type, status, http_status, started_at, ended_at, exit_code, pid, error, queue_wait_ms, cold)
        VALUES ($id, $app, $function, $route, $type, $status, $http_status, $started_at, $ended_at, $exit_code, $pid, $error, $queue_wait_ms, $cold);
        """;

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
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Upsert;
        string[] names = ["$id", "$app", "$function", "$route", "$type", "$status", "$http_status", "$started_at", "$ended_at", "$exit_code", "$pid", "$error", "$queue_wait_ms", "$cold"];
        var parameters = names.Select(name => command.Parameters.Add(new SqliteParameter { ParameterName = name })).ToArray();
        command.Prepare();
        foreach (var r in batch)
        {
            object?[] values =
            [
                r.CallId, r.App, r.Function, r.Route, r.Type, StatusName(r.Status), r.HttpStatus,
                r.StartedAt.ToUnixTimeMilliseconds(), r.EndedAt?.ToUnixTimeMilliseconds(), r.ExitCode, r.Pid, r.Error,
                r.QueueWait?.TotalMilliseconds, r.Cold is { } cold ? (cold ? 1 : 0) : null,
            ];
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public static string StatusName(CallStatus status) => status switch
    {
        CallStatus.Running => "running",
        CallStatus.Success => "success",
        CallStatus.Error => "error",
        CallStatus.Timeout => "timeout",
        CallStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    private static CallStatus ParseStatus(string name) => name switch
    {
        "running" => CallStatus.Running,
        "success" => CallStatus.Success,
        "timeout" => CallStatus.Timeout,
        "cancelled" => CallStatus.Cancelled,
        _ => CallStatus.Error,
    };
}
