using Microsoft.Data.Sqlite;

namespace Fnagent.State;

/// <summary>Call records as rows of <c>calls</c> (schema in <see cref="CallSchema"/>).</summary>
public static class CallRows
{
    private const string UpsertSql = """
        INSERT INTO calls (id, app, function, route, type, status, http_status, started_at, ended_at, exit_code, pid, error, queue_wait_ms, cold)
        VALUES ($id, $app, $function, $route, $type, $status, $http_status, $started_at, $ended_at, $exit_code, $pid, $error, $queue_wait_ms, $cold)
        ON CONFLICT (id) DO UPDATE SET app = excluded.app, function = excluded.function, route = excluded.route, type = excluded.type,
            status = excluded.status, http_status = excluded.http_status, started_at = excluded.started_at, ended_at = excluded.ended_at,
            exit_code = excluded.exit_code, pid = excluded.pid, error = excluded.error, queue_wait_ms = excluded.queue_wait_ms, cold = excluded.cold;
        """;

    private static readonly string[] Names =
        ["$id", "$app", "$function", "$route", "$type", "$status", "$http_status", "$started_at", "$ended_at", "$exit_code", "$pid", "$error", "$queue_wait_ms", "$cold"];

    /// <summary>Inserts or replaces each record, in the writer's transaction.</summary>
    internal static void Upsert(DatabaseWrite write, IEnumerable<CallRecord> records)
    {
        var command = write.Command(UpsertSql, Names);
        foreach (var r in records)
        {
            DatabaseWrite.Execute(command,
                r.CallId, r.App, r.Function, r.Route, r.Type, StatusName(r.Status), r.HttpStatus,
                r.StartedAt.ToUnixTimeMilliseconds(), r.EndedAt?.ToUnixTimeMilliseconds(), r.ExitCode, r.Pid, r.Error,
                r.QueueWait?.TotalMilliseconds, r.Cold is { } cold ? (cold ? 1 : 0) : null);
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
