using Fnagent.State;
using Microsoft.Data.Sqlite;

namespace Fnagent.Agent.Tests.State;

/// <summary>
/// The committed data folder <c>Fixtures/schema-v1/</c>: what an agent of schema version 1
/// left behind, a <c>fnagent.db</c> with only <c>CallSchema.Steps[0]</c> applied and
/// <see cref="Rows"/> in it, and the log of <see cref="LoggedCall"/> under <c>logs/</c>.
/// <see cref="Make"/> is how it was made, and stays so: <c>TheSchemaV1FixtureIsWhatItsRecipeMakes</c>
/// compares the two. To make it again (never needed unless this recipe changes):
/// <c>FNAGENT_REMAKE_FIXTURES=1 dotnet test --filter TheSchemaV1FixtureIsWhatItsRecipeMakes</c>.
/// The file is left in rollback-journal mode and vacuumed, so it is one small file without
/// <c>-wal</c> or <c>-shm</c> beside it.
/// </summary>
internal static class SchemaV1Fixture
{
    /// <summary>The copy of the fixture in the test's output folder (see Agent.Tests.csproj).</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "State", "Fixtures", "schema-v1");

    /// <summary>The fixture in the source tree, where <see cref="Make"/> writes it when asked to.</summary>
    public static string SourceFolder => Path.Combine(Support.RunningAgent.RepoRoot, "tests", "Agent.Tests", "State", "Fixtures", "schema-v1");

    // Dated in 2100: age retention (at most 24 days) would otherwise take these calls at the
    // first start of an agent, whenever the tests run.
    private static readonly DateTimeOffset Start = new(2100, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The calls in the file, oldest first, as the current agent must read them.</summary>
    public static readonly IReadOnlyList<CallRecord> Rows =
    [
        Row(0, "tests", "echo", CallStatus.Success, 200, pid: 4101, cold: true, queueWaitMs: 0.25),
        Row(1, "tests", "echo", CallStatus.Success, 200, pid: 4101, cold: false, queueWaitMs: 0),
        Row(2, "tests", "fails", CallStatus.Error, 502, exitCode: 3, pid: 4102, error: "function exited with code 3", cold: true),
        Row(3, "tests", "slow", CallStatus.Timeout, 504, pid: 4103, error: "timed out after 1s", cold: true, queueWaitMs: 1.5),
        Row(4, "billing", "invoice", CallStatus.Success, 200, type: "async", pid: 4104, cold: false, queueWaitMs: 12.75),
        Row(5, "billing", "invoice", CallStatus.Cancelled, null, error: "the caller went away"),
        Row(6, "billing", "report", CallStatus.Success, 200),
    ];

    /// <summary>The one call that logged, and what its log file holds.</summary>
    public static CallRecord LoggedCall => Rows[0];

    public const string Log = "to the log\nsecond line\n";

    /// <summary>Writes the fixture's files into <paramref name="folder"/> (which must not hold a database yet).</summary>
    public static void Make(string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, "logs"));
        var path = Path.Combine(folder, CallDatabase.FileName);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            CallSchema.Migrate(connection, path, upTo: 1);
            foreach (var r in Rows)
            {
                // The columns of version 1 spelled out: CallRows writes whatever the current version has.
                using var insert = connection.CreateCommand();
                insert.CommandText = """
                    INSERT INTO calls (id, app, function, route, type, status, http_status, started_at, ended_at, exit_code, pid, error, queue_wait_ms, cold)
                    VALUES ($id, $app, $function, $route, $type, $status, $http_status, $started_at, $ended_at, $exit_code, $pid, $error, $queue_wait_ms, $cold);
                    """;
                object?[] values =
                [
                    r.CallId, r.App, r.Function, r.Route, r.Type, CallRows.StatusName(r.Status), r.HttpStatus,
                    r.StartedAt.ToUnixTimeMilliseconds(), r.EndedAt?.ToUnixTimeMilliseconds(), r.ExitCode, r.Pid, r.Error,
                    r.QueueWait?.TotalMilliseconds, r.Cold is { } cold ? (cold ? 1 : 0) : null,
                ];
                string[] names = ["$id", "$app", "$function", "$route", "$type", "$status", "$http_status", "$started_at", "$ended_at", "$exit_code", "$pid", "$error", "$queue_wait_ms", "$cold"];
                for (var i = 0; i < names.Length; i++)
                {
                    insert.Parameters.AddWithValue(names[i], values[i] ?? DBNull.Value);
                }

                insert.ExecuteNonQuery();
            }

            using var vacuum = connection.CreateCommand();
            vacuum.CommandText = "PRAGMA journal_mode=DELETE; VACUUM;";
            vacuum.ExecuteNonQuery();
        }

        File.WriteAllText(CallLog.PathFor(Path.Combine(folder, "logs"), LoggedCall.CallId), Log);
    }

    /// <summary>Copies the fixture into <paramref name="dataFolder"/>, as an operator would move an old data folder.</summary>
    public static void CopyTo(string dataFolder)
    {
        foreach (var file in Directory.GetFiles(Folder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dataFolder, Path.GetRelativePath(Folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>
    /// Call <paramref name="n"/>: a minute after the one before, its id that minute and <c>n</c>
    /// (ids fixed, so the recipe makes the same file twice), ended 40 ms after it started.
    /// </summary>
    private static CallRecord Row(int n, string app, string function, CallStatus status, int? httpStatus, string type = "sync",
        int? exitCode = null, int? pid = null, string? error = null, bool? cold = null, double? queueWaitMs = null)
    {
        var started = Start.AddMinutes(n);
        return new CallRecord
        {
            CallId = CallId.Format(((UInt128)(ulong)started.ToUnixTimeMilliseconds() << 80) | (uint)n),
            App = app,
            Function = function,
            Route = "/" + function,
            Type = type,
            StartedAt = started,
            Status = status,
            HttpStatus = httpStatus,
            EndedAt = started.AddMilliseconds(40),
            ExitCode = exitCode,
            Pid = pid,
            Error = error,
            QueueWait = queueWaitMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            Cold = cold,
        };
    }
}
