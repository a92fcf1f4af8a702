using Microsoft.Data.Sqlite;

namespace Fnagent.State;

/// <summary>
/// The writer's open transaction, as work inside it sees it: statements prepared once per
/// connection and reused, since preparing them again for every call cost more than running
/// them (docs/performance.md). Used by the writer's loop only, never across threads.
/// </summary>
public sealed class DatabaseWrite(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    internal SqliteTransaction? Transaction { get; set; }

    /// <summary>The statement <paramref name="sql"/> with its <paramref name="parameters"/>, in this transaction; set the values by position.</summary>
    public SqliteCommand Command(string sql, params ReadOnlySpan<string> parameters)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            _commands[sql] = command;
        }

        command.Transaction = Transaction;
        return command;
    }

    /// <summary>Runs <paramref name="command"/> with these values for its parameters, in order (null as SQL NULL).</summary>
    public static int Execute(SqliteCommand command, params ReadOnlySpan<object?> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }
}
