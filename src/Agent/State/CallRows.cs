using Microsoft.Data.Sqlite;

namespace Fnagent.State;

/// <summary>Call records as rows of <c>calls</c> (schema in <see cref="CallSchema"/>).</summary>
public static class CallRows
{
    private const string UpsertSql = """
        INSERT OR REPLACE INTO calls (id, app, function, route, type, status, http_status, started_at, ended_at, exit_code, pid, error, queue_wait_ms, cold)
        VALUES ($id, $app, $function, $route, $type, $status, $http_status, $started_at, $ended_at, $exit_code, $pid, $error, $queue_wait_ms, $cold);
        """;

    private static readonly string[] Names =
        ["$id", "$app", "$function", "$route", "$type", "$status", "$http_status", "$started_at", "$ended_at", "$exit_code", "$pid", "$error", "$queue_wait_ms", "$cold"];

    /// <summary>Inserts or replaces each record, within <paramref name="transaction"/>.</summary>
    internal static void Upsert(SqliteConnection connection, SqliteTransaction transaction, IEnumerable<CallRecord> records)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = UpsertSql;
        var parameters = Names.Select(name => command.Parameters.Add(new SqliteParameter { ParameterName = name })).ToArray();
        command.Prepare();
        foreach (var r in records)
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

    public static CallStatus ParseStatus(string name) => name switch
    {
        "queued" => CallStatus.Queued,
        "running" => CallStatus.Running,
        "success" => CallStatus.Success,
        "timeout" => CallStatus.Timeout,
        "cancelled" => CallStatus.Cancelled,
        _ => CallStatus.Error,
    };
}
