using System.Text;
using System.Text.Json;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Agent.Tests.Support;
using Fnagent.State;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fnagent.Agent.Tests.State;

/// <summary>A data folder left by an agent of an older (or newer) schema, from the committed <see cref="SchemaV1Fixture"/>.</summary>
public sealed class SchemaMigrationTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly TempFolder _folder = new();

    private string Data => Path.Combine(_folder.Path, "data");

    private string DatabaseFile => Path.Combine(Data, CallDatabase.FileName);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    [Fact]
    public void TheSchemaV1FixtureIsWhatItsRecipeMakes()
    {
        var made = Path.Combine(_folder.Path, "made");
        SchemaV1Fixture.Make(made);
        if (Environment.GetEnvironmentVariable("FNAGENT_REMAKE_FIXTURES") == "1")
        {
            if (Directory.Exists(SchemaV1Fixture.SourceFolder))
            {
                Directory.Delete(SchemaV1Fixture.SourceFolder, recursive: true);
            }

            SchemaV1Fixture.Make(SchemaV1Fixture.SourceFolder);
        }

        // The committed file, as its source tree has it: one database file in rollback-journal
        // mode at version 1, and one log.
        Assert.Equal(
            [CallDatabase.FileName, Path.Combine("logs", SchemaV1Fixture.LoggedCall.CallId + ".log")],
            Directory.GetFiles(SchemaV1Fixture.SourceFolder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(SchemaV1Fixture.SourceFolder, f)).Order());
        Assert.Contains("journal_mode=delete\nschema_version=1\n", Dump(SchemaV1Fixture.SourceFolder));
        Assert.Equal(Dump(made), Dump(SchemaV1Fixture.SourceFolder));
        Assert.Equal(Dump(made), Dump(SchemaV1Fixture.Folder));
    }

    [Fact]
    public async Task AFileOfVersion1IsUpgradedAndKeepsItsCallsAndLogs()
    {
        SchemaV1Fixture.CopyTo(Data);

        CallDatabase.Open(Data);
        using (var connection = Connect())
        {
            Assert.Equal(CallSchema.Version, CallSchema.CurrentVersion(connection));
            Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM schema_version;"));
            Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'async_calls';"));
            Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode;"));
        }

        await using (var store = Open())
        {
            var page = store.List(new CallQuery { Limit = CallQuery.MaxLimit });
            AssertRecords(SchemaV1Fixture.Rows.Reverse(), page.Calls);
            Assert.Null(page.NextCursor);
            Assert.Equal(SchemaV1Fixture.Log, store.ReadLog(SchemaV1Fixture.LoggedCall.CallId));
            Assert.Equal("", store.ReadLog(SchemaV1Fixture.Rows[1].CallId));
            Assert.Equal(
                [SchemaV1Fixture.Rows[6].CallId, SchemaV1Fixture.Rows[4].CallId],
                store.List(new CallQuery { App = "billing", Status = CallStatus.Success }).Calls.Select(c => c.CallId));

            // A call of this agent lands beside the old ones.
            var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var record = new CallRecord { CallId = CallId.New(now), App = "tests", Function = "echo", Route = "/echo", StartedAt = now, Status = CallStatus.Success, EndedAt = now };
            store.Finish(record, store.Begin(record));
            Assert.True(await store.FlushAsync(Bound));
        }

        await using (var reopened = Open())
        {
            var all = reopened.List(new CallQuery { App = "tests", Function = "echo" }).Calls.Select(c => c.CallId).ToList();
            Assert.Equal([SchemaV1Fixture.Rows[1].CallId, SchemaV1Fixture.Rows[0].CallId, all.Last()], all);
        }

        // Once upgraded, an open changes nothing in the file.
        SqliteConnection.ClearAllPools();
        var upgraded = File.ReadAllBytes(DatabaseFile);
        CallDatabase.Open(Data);
        SqliteConnection.ClearAllPools();
        Assert.Equal(upgraded, File.ReadAllBytes(DatabaseFile));
    }

    [Fact]
    public void AFileOfANewerSchemaIsRefusedByNameAndLeftAsItWas()
    {
        SchemaV1Fixture.CopyTo(Data);
        var newer = CallSchema.Version + 1;
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabaseFile, Pooling = false }.ToString()))
        {
            connection.Open();
            Scalar(connection, $"UPDATE schema_version SET version = {newer};");
        }

        var before = File.ReadAllBytes(DatabaseFile);

        var e = Assert.Throws<CallDatabaseException>(() => CallDatabase.Open(Data));
        Assert.Contains(DatabaseFile, e.Message);
        Assert.Contains($"schema version {newer}", e.Message);
        Assert.Contains($"knows up to {CallSchema.Version}", e.Message);

        SqliteConnection.ClearAllPools();
        Assert.Equal(before, File.ReadAllBytes(DatabaseFile));
        Assert.Equal([CallDatabase.FileName, "logs"], Directory.GetFileSystemEntries(Data).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void AnotherProgramsDatabaseIsRefusedByNameAndLeftAsItWas()
    {
        Directory.CreateDirectory(Data);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabaseFile, Pooling = false }.ToString()))
        {
            connection.Open();
            Scalar(connection, "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine');");
        }

        var before = File.ReadAllBytes(DatabaseFile);

        var e = Assert.Throws<CallDatabaseException>(() => CallDatabase.Open(Data));
        Assert.Contains(DatabaseFile, e.Message);
        Assert.Contains("another program", e.Message);

        SqliteConnection.ClearAllPools();
        Assert.Equal(before, File.ReadAllBytes(DatabaseFile));
    }

    [Fact]
    public async Task ServeUpgradesAnOlderDataFolderAndListsItsCalls()
    {
        SchemaV1Fixture.CopyTo(Data);
        var functions = Directory.CreateDirectory(Path.Combine(_folder.Path, "functions")).FullName;
        await using (var agent = await ServeProcess.StartAsync(_folder.Path, null, "serve", "--functions", functions, "--urls", "http://127.0.0.1:0", "--data", Data))
        {
            Assert.True(agent.Address is not null, agent.Errors);
            using var client = new HttpClient { BaseAddress = agent.Address, Timeout = TimeSpan.FromSeconds(30) };
            using var page = JsonDocument.Parse(await client.GetStringAsync("v1/calls?limit=1000"));
            var calls = page.RootElement.GetProperty("calls").EnumerateArray().ToList();
            Assert.Equal(SchemaV1Fixture.Rows.Reverse().Select(r => r.CallId), calls.Select(c => c.GetProperty("call_id").GetString()));
            Assert.Equal(JsonValueKind.Null, page.RootElement.GetProperty("next_cursor").ValueKind);

            var failed = calls[^3];
            var expected = SchemaV1Fixture.Rows[2];
            Assert.Equal("tests", failed.GetProperty("app").GetString());
            Assert.Equal("fails", failed.GetProperty("function").GetString());
            Assert.Equal("error", failed.GetProperty("status").GetString());
            Assert.Equal(502, failed.GetProperty("http_status").GetInt32());
            Assert.Equal(3, failed.GetProperty("exit_code").GetInt32());
            Assert.Equal(expected.Error, failed.GetProperty("error").GetString());
            Assert.Equal(expected.StartedAt, failed.GetProperty("started_at").GetDateTimeOffset());
            Assert.Equal(40, failed.GetProperty("duration_ms").GetDouble());

            Assert.Equal(SchemaV1Fixture.Log, await client.GetStringAsync($"v1/calls/{SchemaV1Fixture.LoggedCall.CallId}/log"));
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabaseFile, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        Assert.Equal(CallSchema.Version, CallSchema.CurrentVersion(connection));
    }

    /// <summary>Each record field by field, in order (<c>Assert.Equivalent</c> of whole lists matches any order).</summary>
    internal static void AssertRecords(IEnumerable<CallRecord> expected, IEnumerable<CallRecord> actual)
    {
        var want = expected.ToList();
        var got = actual.ToList();
        Assert.Equal(want.Select(r => r.CallId), got.Select(r => r.CallId));
        for (var i = 0; i < want.Count; i++)
        {
            Assert.Equivalent(want[i], got[i], strict: true);
        }
    }

    /// <summary>What a data folder holds, as text: the database's schema, mode, version and rows, then each log.</summary>
    private static string Dump(string folder)
    {
        var text = new StringBuilder();
        var path = Path.Combine(folder, CallDatabase.FileName);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString()))
        {
            connection.Open();
            Rows(connection, "SELECT type, name, sql FROM sqlite_master ORDER BY name;", text);
            text.Append("journal_mode=").Append(Scalar(connection, "PRAGMA journal_mode;")).Append('\n');
            text.Append("schema_version=").Append(CallSchema.CurrentVersion(connection)).Append('\n');
            Rows(connection, "SELECT * FROM calls ORDER BY id;", text);
        }

        foreach (var log in Directory.GetFiles(Path.Combine(folder, "logs")).Order())
        {
            text.Append(Path.GetFileName(log)).Append(": ").Append(File.ReadAllText(log)).Append('\n');
        }

        return text.ToString();
    }

    private static void Rows(SqliteConnection connection, string sql, StringBuilder text)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var rows = command.ExecuteReader();
        while (rows.Read())
        {
            for (var i = 0; i < rows.FieldCount; i++)
            {
                text.Append(rows.IsDBNull(i) ? "null" : Convert.ToString(rows.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('|');
            }

            text.Append('\n');
        }
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection($"Data Source={DatabaseFile}");
        connection.Open();
        return connection;
    }

    private SqliteCallStore Open() =>
        new(new AgentOptions { DataDirectory = Data }, TimeProvider.System, NullLogger<SqliteCallStore>.Instance);
}
