using System.Text;
using Microsoft.Data.Sqlite;

namespace Fnagent.State;

/// <summary>Reads: one record, and pages of records newest first.</summary>
public sealed partial class SqliteCallStore
{
    private const string Columns = """
        calls.id, app, function, route, type, status, http_status, started_at, ended_at, exit_code, pid, error, queue_wait_ms, cold,
        callbacks.url, callbacks.state, callbacks.attempts, callbacks.last_status, callbacks.last_error
        FROM calls LEFT JOIN callbacks ON callbacks.id = calls.id
        """;

    public CallPage List(CallQuery query)
    {
        var limit = Math.Clamp(query.Limit, 1, CallQuery.MaxLimit);
        var upper = query.Cursor is { } cursor && CallId.TryParse(cursor, out var after) ? after : UInt128.MaxValue;
        if (query.Until is { } until)
        {
            upper = UInt128.Min(upper, FirstIdAt(until));
        }

        var lower = query.Since is { } since ? FirstIdAt(since) : UInt128.Zero;

        // Calls still running or not yet committed come from memory, the rest from the file;
        // an id in both is memory's (the file's row may be older: an async call's says queued).
        var found = new SortedDictionary<UInt128, CallRecord>(Comparer<UInt128>.Create((a, b) => b.CompareTo(a)));
        var inMemory = new HashSet<UInt128>();
        lock (_gate)
        {
            foreach (var (id, record) in _running.Concat(_unwritten))
            {
                if (id < upper && id >= lower)
                {
                    inMemory.Add(id);
                    if (Matches(query, record))
                    {
                        found[id] = record;
                    }
                }
            }
        }

        using (var connection = _database.Connect())
        using (var command = connection.CreateCommand())
        {
            var sql = new StringBuilder($"SELECT {Columns} WHERE calls.id < $upper AND calls.id >= $lower");
            command.Parameters.AddWithValue("$upper", CallId.Format(upper));
            command.Parameters.AddWithValue("$lower", CallId.Format(lower));
            Filter(sql, command, "app", query.App);
            Filter(sql, command, "function", query.Function);
            Filter(sql, command, "status", query.Status is { } status ? CallRows.StatusName(status) : null);
            sql.Append(" ORDER BY calls.id DESC LIMIT $limit;");
            command.Parameters.AddWithValue("$limit", limit + 1 + inMemory.Count); // rows of ids held in memory are skipped
            command.CommandText = sql.ToString();
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                var record = ToRecord(rows);
                if (!inMemory.Contains(Key(record.CallId)))
                {
                    found.TryAdd(Key(record.CallId), record);
                }
            }
        }

        var page = found.Values.Take(limit + 1).ToList();
        string? next = null;
        if (page.Count > limit)
        {
            page.RemoveAt(limit);
            next = page[^1].CallId;
        }

        return new CallPage(page, next);
    }

    private CallRecord? ReadRecord(string callId)
    {
        try
        {
            using var connection = _database.Connect();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} WHERE calls.id = $id;";
            command.Parameters.AddWithValue("$id", callId);
            using var rows = command.ExecuteReader();
            return rows.Read() ? ToRecord(rows) : null;
        }
        catch (SqliteException e)
        {
            _logger.CallDatabaseReadFailed(_database.Path, e.Message);
            return null;
        }
    }

    /// <summary>The smallest call id made at <paramref name="time"/>: its milliseconds, then zeros.</summary>
    private static UInt128 FirstIdAt(DateTimeOffset time) =>
        (UInt128)(ulong)Math.Clamp(time.ToUnixTimeMilliseconds(), 0, 0xFFFF_FFFF_FFFFL) << 80;

    private static bool Matches(CallQuery query, CallRecord record) =>
        (query.App is null || query.App == record.App)
        && (query.Function is null || query.Function == record.Function)
        && (query.Status is null || query.Status == record.Status);

    private static void Filter(StringBuilder sql, SqliteCommand command, string column, string? value)
    {
        if (value is not null)
        {
            sql.Append($" AND calls.{column} = ${column}");
            command.Parameters.AddWithValue("$" + column, value);
        }
    }

    private static CallRecord ToRecord(SqliteDataReader row) => new()
    {
        CallId = row.GetString(0),
        App = row.GetString(1),
        Function = row.GetString(2),
        Route = row.GetString(3),
        Type = row.GetString(4),
        Status = CallRows.ParseStatus(row.GetString(5)),
        HttpStatus = row.IsDBNull(6) ? null : row.GetInt32(6),
        StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(7)),
        EndedAt = row.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(8)),
        ExitCode = row.IsDBNull(9) ? null : row.GetInt32(9),
        Pid = row.IsDBNull(10) ? null : row.GetInt32(10),
        Error = row.IsDBNull(11) ? null : row.GetString(11),
        QueueWait = row.IsDBNull(12) ? null : TimeSpan.FromMilliseconds(row.GetDouble(12)),
        Cold = row.IsDBNull(13) ? null : row.GetInt64(13) != 0,
        Callback = row.IsDBNull(14) ? null : new CallbackOutcome(row.GetString(14), row.GetString(15), row.GetInt32(16),
            row.IsDBNull(17) ? null : row.GetInt32(17), row.IsDBNull(18) ? null : row.GetString(18)),
    };
}
