using Microsoft.Data.Sqlite;

namespace Fnagent.State;

/// <summary>
/// The agent's SQLite file (<c>&lt;data&gt;/fnagent.db</c>): opened in WAL mode, its schema
/// created or upgraded at start by <see cref="CallSchema"/>. A file written by a newer agent
/// is refused, never guessed at.
/// </summary>
public sealed class CallDatabase
{
    public const string FileName = "fnagent.db";

    private readonly string _connectionString;

    private CallDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // A locked database (another reader checkpointing, a backup) is waited for this
            // long before the statement fails; the writer logs and counts what it could not write.
            DefaultTimeout = 5,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens (creating it if needed) the database in <paramref name="dataDirectory"/> and
    /// brings its schema to <see cref="CallSchema.Version"/>. Throws
    /// <see cref="CallDatabaseException"/> naming the file and what is wrong.
    /// </summary>
    public static CallDatabase Open(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var database = new CallDatabase(System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, FileName)));
        try
        {
            using var connection = database.Connect();
            CallSchema.Migrate(connection, database.Path);
            // WAL only once the file is known to be ours: the switch rewrites the file's header,
            // and a file this agent refuses (a newer schema) is left exactly as it was.
            Execute(connection, "PRAGMA journal_mode=WAL;");
        }
        catch (SqliteException e)
        {
            throw new CallDatabaseException($"{database.Path}: {e.Message}", e);
        }

        return database;
    }

    /// <summary>A new open connection (pooled); the caller disposes it.</summary>
    public SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // NORMAL in WAL mode: a commit survives a crash of the agent (kill -9 included); only
        // a crash of the machine can take the last transactions back.
        Execute(connection, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
        return connection;
    }

    internal static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}

/// <summary>The database cannot be used: unreadable, or of a schema this agent does not know.</summary>
public sealed class CallDatabaseException(string message, Exception? inner = null) : Exception(message, inner);
