using Microsoft.Data.Sqlite;

namespace Fnagent.State;

/// <summary>
/// The callbacks of Sonr functions (docs/protocols.md §9), in the call database beside their
/// async calls: a callback is stored in the commit that accepts its call (<see cref="Add"/>),
/// so it is as durable as the call; it becomes due once the call has ended, and each attempt
/// is committed before the next, so a restart goes on where the last agent stopped.
/// </summary>
public sealed class CallbackQueue(SqliteCallStore store)
{
    public const string Pending = "pending", Delivered = "delivered", Failed = "failed";

    private const string Insert = "INSERT INTO callbacks (id, url, cid, state, next_at) VALUES ($id, $url, $cid, 'pending', 0);";

    private const string Update = """
        UPDATE callbacks SET state = $state, attempts = $attempts, last_status = $status, last_error = $error,
            first_at = COALESCE(first_at, $first_at), next_at = $next_at WHERE id = $id;
        """;

    // Due: pending, its time come, and its call ended (its output kept with the async call).
    private const string DueSql = """
        SELECT callbacks.id, callbacks.url, callbacks.cid, callbacks.attempts, callbacks.first_at, calls.function, calls.http_status,
            async_calls.output, async_calls.output_type
        FROM callbacks JOIN async_calls ON async_calls.id = callbacks.id AND async_calls.state = 'done'
        LEFT JOIN calls ON calls.id = callbacks.id
        WHERE callbacks.state = 'pending' AND callbacks.next_at <= $now ORDER BY callbacks.next_at LIMIT $max;
        """;

    private const string NextSql = """
        SELECT MIN(callbacks.next_at) FROM callbacks JOIN async_calls ON async_calls.id = callbacks.id AND async_calls.state = 'done'
        WHERE callbacks.state = 'pending';
        """;

    /// <summary>In the transaction that stores the call: its callback, pending.</summary>
    public static void Add(DatabaseWrite write, string callId, Uri url, string cid) =>
        DatabaseWrite.Execute(write.Command(Insert, "$id", "$url", "$cid"), callId, url.AbsoluteUri, cid);

    /// <summary>At most <paramref name="max"/> callbacks due at <paramref name="now"/>, the longest due first.</summary>
    public IReadOnlyList<DueCallback> Due(DateTimeOffset now, int max)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = DueSql;
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$max", max);
        using var rows = command.ExecuteReader();
        var due = new List<DueCallback>();
        while (rows.Read())
        {
            due.Add(new DueCallback(rows.GetString(0), new Uri(rows.GetString(1)), rows.GetString(2), rows.GetInt32(3),
                rows.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(4)),
                rows.IsDBNull(5) ? "" : rows.GetString(5), rows.IsDBNull(6) ? null : rows.GetInt32(6),
                rows.IsDBNull(7) ? [] : (byte[])rows.GetValue(7), rows.IsDBNull(8) ? null : rows.GetString(8)));
        }

        return due;
    }

    /// <summary>When the next pending callback of an ended call is due; null when none is.</summary>
    public DateTimeOffset? NextDue()
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = NextSql;
        return command.ExecuteScalar() is long at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;
    }

    /// <summary>Commits an attempt's outcome: the callback's new state, its attempts, the last status or error, when the next is due.</summary>
    public Task RecordAsync(DueCallback callback, CallbackAttempt attempt) => store.Writer.RunAsync(write =>
        DatabaseWrite.Execute(write.Command(Update, "$id", "$state", "$attempts", "$status", "$error", "$first_at", "$next_at"),
            callback.CallId, attempt.State, callback.Attempts + 1, attempt.Status, attempt.Error,
            attempt.At.ToUnixTimeMilliseconds(), (attempt.Next ?? attempt.At).ToUnixTimeMilliseconds()));

    private SqliteConnection Connect()
    {
        try
        {
            return store.Database.Connect();
        }
        catch (SqliteException e)
        {
            throw new CallDatabaseException($"{store.Database.Path}: {e.Message}", e);
        }
    }
}

/// <summary>
/// A callback due: its call, URL, CID, attempts so far and when the first was made, the
/// function, the call's HTTP status, and the output to send with its content type.
/// </summary>
public sealed record DueCallback(string CallId, Uri Url, string Cid, int Attempts, DateTimeOffset? FirstAt, string Function, int? CallStatus,
    byte[] Output, string? OutputType);

/// <summary>One attempt's outcome: the state it leaves, the HTTP status or the error, when it was made and when the next is due (pending only).</summary>
public sealed record CallbackAttempt(string State, int? Status, string? Error, DateTimeOffset At, DateTimeOffset? Next);
