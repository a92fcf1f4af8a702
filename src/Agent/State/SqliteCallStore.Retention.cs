using Microsoft.Data.Sqlite;

namespace Fnagent.State;

/// <summary>
/// Retention, in the background: calls older than <c>CallRetentionAge</c> go, then all but
/// the newest <c>CallRetention</c>, each with its log file. Log files without a record (an
/// earlier agent's, a record that was dropped) go by the age of their id.
/// </summary>
public sealed partial class SqliteCallStore
{
    private const int DeleteChunk = 1000;

    // Async calls still queued or running are never taken by retention: an accepted call is
    // never dropped unrun.
    private const string Expired = "SELECT id FROM calls WHERE id < $cutoff AND status NOT IN ('queued', 'running') ORDER BY id LIMIT $chunk;";
    private int _retaining;

    /// <summary>One pass; runs on the retention timer. Never throws; never runs twice at once.</summary>
    public void ApplyRetention()
    {
        if (Interlocked.Exchange(ref _retaining, 1) == 1)
        {
            return;
        }

        try
        {
            var cutoff = CallId.Format(FirstIdAt(_time.GetUtcNow() - _options.RetentionAge));
            using var connection = _database.Connect();
            while (DeleteOldest(connection, Expired, cutoff) == DeleteChunk)
            {
            }

            var oldestKept = OldestKept(connection);
            if (oldestKept is not null)
            {
                while (DeleteOldest(connection, Expired, oldestKept) == DeleteChunk)
                {
                }
            }

            DeleteOrphanLogs(connection, cutoff);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            _logger.RetentionFailed(_database.Path, e.Message);
        }
        finally
        {
            Volatile.Write(ref _retaining, 0);
        }
    }

    /// <summary>The id of the oldest call the count allows, or null while there are fewer.</summary>
    private string? OldestKept(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM calls ORDER BY id DESC LIMIT 1 OFFSET $offset;";
        command.Parameters.AddWithValue("$offset", _options.Retention - 1);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Deletes up to one chunk of the calls <paramref name="select"/> names, and their logs; how many.</summary>
    private int DeleteOldest(SqliteConnection connection, string select, string cutoff)
    {
        var ids = new List<string>(DeleteChunk);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = select;
            command.Parameters.AddWithValue("$cutoff", cutoff);
            command.Parameters.AddWithValue("$chunk", DeleteChunk);
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                ids.Add(rows.GetString(0));
            }
        }

        if (ids.Count == 0)
        {
            return 0;
        }

        using (var transaction = connection.BeginTransaction())
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                DELETE FROM calls WHERE id <= $last AND id >= $first AND status NOT IN ('queued', 'running');
                DELETE FROM async_calls WHERE id <= $last AND id >= $first AND state = 'done';
                DELETE FROM callbacks WHERE id <= $last AND id >= $first AND state != 'pending';
                """;
            command.Parameters.AddWithValue("$first", ids[0]);
            command.Parameters.AddWithValue("$last", ids[^1]);
            command.ExecuteNonQuery();
            transaction.Commit();
        }

        foreach (var id in ids)
        {
            TryDelete(CallLog.PathFor(_logDirectory, id));
        }

        return ids.Count;
    }

    private void DeleteOrphanLogs(SqliteConnection connection, string cutoff)
    {
        foreach (var path in Directory.EnumerateFiles(_logDirectory, "*.log"))
        {
            var id = Path.GetFileNameWithoutExtension(path);
            if (CallId.TryParse(id, out _) && string.CompareOrdinal(id, cutoff) < 0)
            {
                TryDelete(path);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
