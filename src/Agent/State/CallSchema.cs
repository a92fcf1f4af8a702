using Microsoft.Data.Sqlite;

namespace Fnagent.State;

/// <summary>
/// The schema of the call database, as numbered steps. Step N takes a version N-1 file to
/// version N, inside one transaction with the version's own row, so a crash mid-upgrade
/// leaves the file at N-1. Steps are never edited once released; a change is a new step.
/// </summary>
public static class CallSchema
{
    /// <summary>The steps, oldest first: <c>Steps[0]</c> makes version 1.</summary>
    public static readonly IReadOnlyList<string> Steps =
    [
        // 1: call records. Times are Unix milliseconds; the id is the call id, which sorts by
        // time (docs/protocols.md §2), so "newest first" is the primary key backwards.
        """
        CREATE TABLE calls (
            id            TEXT PRIMARY KEY,
            app           TEXT NOT NULL,
            function      TEXT NOT NULL,
            route         TEXT NOT NULL,
            type          TEXT NOT NULL,
            status        TEXT NOT NULL,
            http_status   INTEGER,
            started_at    INTEGER NOT NULL,
            ended_at      INTEGER,
            exit_code     INTEGER,
            pid           INTEGER,
            error         TEXT,
            queue_wait_ms REAL,
            cold          INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX calls_by_function ON calls (app, function, id);
        CREATE INDEX calls_by_status ON calls (status, id);
        """,

        // 2: async calls: the request as accepted (the body up to its limit), where it stands
        // (queued, running, done), how often it was started, and the function's output once it
        // ended: as kept (up to its limit), its content type, and how many bytes it had in all.
        // Only calls not done are indexed: the index a start recovers by stays small.
        """
        CREATE TABLE async_calls (
            id           TEXT PRIMARY KEY,
            app          TEXT NOT NULL,
            function     TEXT NOT NULL,
            method       TEXT NOT NULL,
            request_url  TEXT NOT NULL,
            target       TEXT NOT NULL,
            headers      TEXT NOT NULL,
            body         BLOB NOT NULL,
            state        TEXT NOT NULL,
            attempts     INTEGER NOT NULL DEFAULT 0,
            output       BLOB,
            output_type  TEXT,
            output_total INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX async_calls_waiting ON async_calls (state, id) WHERE state != 'done';
        """,

        // 3: callbacks of Sonr functions (docs/protocols.md §9): where an async call's output
        // goes, the CID it ran on, and the delivery: pending, delivered or failed, how many
        // attempts, the last one's HTTP status or error, when the first was made and when the
        // next is due (Unix milliseconds). Only pending ones are indexed.
        """
        CREATE TABLE callbacks (
            id          TEXT PRIMARY KEY,
            url         TEXT NOT NULL,
            cid         TEXT NOT NULL,
            state       TEXT NOT NULL,
            attempts    INTEGER NOT NULL DEFAULT 0,
            last_status INTEGER,
            last_error  TEXT,
            first_at    INTEGER,
            next_at     INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX callbacks_pending ON callbacks (next_at) WHERE state = 'pending';
        """,
    ];

    /// <summary>The version this agent writes.</summary>
    public static int Version => Steps.Count;

    /// <summary>Brings the file to <see cref="Version"/>; refuses a newer one, and another program's database.</summary>
    public static void Migrate(SqliteConnection connection, string path, int? upTo = null)
    {
        var target = upTo ?? Version;
        if (!HasTable(connection, "schema_version") && HasTable(connection, null))
        {
            throw new CallDatabaseException(
                $"{path} is a SQLite database of another program (it has tables but no schema_version); fnagent leaves it as it is. Use another --data folder.");
        }

        CallDatabase.Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);");
        var current = CurrentVersion(connection);
        if (current > Version)
        {
            throw new CallDatabaseException(
                $"{path} has schema version {current}, written by a newer fnagent; this one knows up to {Version}. Use the newer agent or another --data folder.");
        }

        for (var version = current + 1; version <= target; version++)
        {
            using var transaction = connection.BeginTransaction();
            CallDatabase.Execute(connection, Steps[version - 1], transaction);
            CallDatabase.Execute(connection, $"DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES ({version});", transaction);
            transaction.Commit();
        }
    }

    private static bool HasTable(SqliteConnection connection, string? name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = name is null
            ? "SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1;"
            : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $name;";
        command.Parameters.AddWithValue("$name", (object?)name ?? DBNull.Value);
        return command.ExecuteScalar() is not null;
    }

    public static int CurrentVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(version) FROM schema_version;";
        return command.ExecuteScalar() is long version ? (int)version : 0;
    }
}
