using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Fnagent.State;

/// <summary>
/// The durable queue of async calls, in the call database. A call is accepted only once its
/// request and its record are committed (<see cref="EnqueueAsync"/>: concurrent submissions
/// share one commit); once it has its process, its start is a line of the
/// <see cref="StartJournal"/> (<see cref="Started"/>), so that after a crash of the agent
/// <see cref="Recover"/> knows which calls never started (they run) and which were cut off
/// (re-run when the function allows retries, else failed).
/// </summary>
public sealed class AsyncQueue : IDisposable
{
    /// <summary>The error an async call gets when the agent died while it ran and it may not run again.</summary>
    public const string StoppedDuringCall = "agent stopped during the call";

    private const string Insert = """
        INSERT INTO async_calls (id, app, function, method, request_url, target, headers, body, state)
        VALUES ($id, $app, $function, $method, $request_url, $target, $headers, $body, 'queued');
        """;

    private const string ReadQueued =
        "SELECT id, app, function, method, request_url, target, headers, body, attempts FROM async_calls WHERE id = $id AND state = 'queued';";

    private const string Completion =
        "UPDATE async_calls SET state = 'done', attempts = attempts + 1, body = x'', output = $output, output_type = $type, output_total = $total WHERE id = $id;";

    private readonly SqliteCallStore _store;
    private readonly CallDatabase _database;
    private readonly CallDatabaseWriter _writer;
    private readonly int _maxQueued;
    private readonly ILogger _logger;
    private readonly StartJournal _journal;
    private readonly string _dataDirectory;
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private int _queued;

    /// <summary>The queue in <paramref name="store"/>'s database, written by its writer, its starts in a <see cref="StartJournal"/> beside it.</summary>
    public AsyncQueue(SqliteCallStore store, int maxQueued, ILogger logger)
    {
        _store = store;
        _database = store.Database;
        _writer = store.Writer;
        _maxQueued = maxQueued;
        _logger = logger;
        _dataDirectory = System.IO.Path.GetDirectoryName(_database.Path)!;
        _journal = new StartJournal(_dataDirectory);
        _queued = CountQueued();
    }

    public void Dispose() => _journal.Dispose();

    /// <summary>Calls accepted and not yet started.</summary>
    public int QueuedCount => Volatile.Read(ref _queued);

    /// <summary>
    /// Stores the call durably: true once committed (concurrent submissions share one
    /// commit); false, with nothing stored, when the queue holds its bound already. Throws
    /// <see cref="CallDatabaseException"/> when the database refused it (a full disk): then
    /// nothing of it was stored either.
    /// </summary>
    public async Task<bool> EnqueueAsync(AsyncSubmission submission)
    {
        if (Interlocked.Increment(ref _queued) > _maxQueued)
        {
            Interlocked.Decrement(ref _queued);
            return false;
        }

        try
        {
            await WriteAsync(write => Store(write, submission)).ConfigureAwait(false);
            return true;
        }
        catch
        {
            Interlocked.Decrement(ref _queued);
            _logger.AsyncCallNotQueued(submission.Record.App, submission.Record.Function, _database.Path);
            throw;
        }
    }

    /// <summary>
    /// At start: calls cut off by a crash are queued again when <paramref name="retries"/> of
    /// their function allows another attempt, else failed with <see cref="StoppedDuringCall"/>.
    /// Returns every queued call, oldest first, to be dispatched.
    /// </summary>
    public IReadOnlyList<QueuedCall> Recover(Func<string, string, int> retries)
    {
        using var connection = _database.Connect();

        // Cut off: started (the journal says so) and not done. A row marked running is of an
        // agent that marked starts in the database instead.
        var starts = StartJournal.Read(_dataDirectory);
        var cutOff = new List<(string Id, string App, string Function, int Attempts)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, app, function, attempts, state FROM async_calls WHERE state != 'done' ORDER BY id;";
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                var started = starts.GetValueOrDefault(rows.GetString(0)) + (rows.GetString(4) == "running" ? 1 : 0);
                if (started > 0)
                {
                    cutOff.Add((rows.GetString(0), rows.GetString(1), rows.GetString(2), rows.GetInt32(3) + started));
                }
            }
        }

        using (var transaction = connection.BeginTransaction())
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            var id = command.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
            var attemptsDone = command.Parameters.Add(new SqliteParameter { ParameterName = "$attempts" });
            command.Parameters.AddWithValue("$error", StoppedDuringCall);
            command.Parameters.AddWithValue("$output", System.Text.Encoding.UTF8.GetBytes("{\"error\":{\"message\":\"" + StoppedDuringCall + "\"}}"));
            command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            foreach (var (callId, app, function, attempts) in cutOff)
            {
                var again = attempts <= retries(app, function);
                id.Value = callId;
                attemptsDone.Value = attempts;
                command.CommandText = again
                    ? "UPDATE async_calls SET state = 'queued', attempts = $attempts WHERE id = $id; UPDATE calls SET status = 'queued', pid = NULL WHERE id = $id;"
                    : """
                      UPDATE async_calls SET state = 'done', attempts = $attempts, body = x'', output = $output, output_type = 'application/json', output_total = length($output) WHERE id = $id;
                      UPDATE calls SET status = 'error', http_status = 503, error = $error, ended_at = $now WHERE id = $id;
                      """;
                command.ExecuteNonQuery();
                _logger.AsyncCallCutOff(app, function, callId, again ? "queued again" : "failed: " + StoppedDuringCall);
            }

            transaction.Commit();
        }

        // What the journal said is in the database now.
        _journal.Clear();
        var queued = new List<QueuedCall>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, app, function FROM async_calls WHERE state = 'queued' AND state != 'done' ORDER BY id;";
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                queued.Add(new QueuedCall(rows.GetString(0), rows.GetString(1), rows.GetString(2)));
            }
        }

        Volatile.Write(ref _queued, queued.Count);
        return queued;
    }

    /// <summary>
    /// Takes the queued calls among <paramref name="callIds"/> to run and returns their
    /// requests; an id not queued (ended, or taken already) is left out. Each is recorded as
    /// started only once it has its process (<see cref="Started"/>).
    /// </summary>
    public Task<IReadOnlyList<AsyncRequest>> ClaimAsync(IReadOnlyList<string> callIds)
    {
        var claimed = new List<AsyncRequest>(callIds.Count);
        try
        {
            using var connection = _database.Connect();
            using var command = connection.CreateCommand();
            command.CommandText = ReadQueued;
            var id = command.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
            foreach (var callId in callIds)
            {
                id.Value = callId;
                using var rows = command.ExecuteReader();
                if (rows.Read() && TryTake(callId))
                {
                    claimed.Add(new AsyncRequest(rows.GetString(0), rows.GetString(1), rows.GetString(2), rows.GetString(3), rows.GetString(4),
                        rows.GetString(5), rows.GetString(6), (byte[])rows.GetValue(7), rows.GetInt32(8) + 1));
                }
            }
        }
        catch (Exception e) when (e is SqliteException or IOException)
        {
            // None is taken: all stay queued, tried again.
            claimed.ForEach(call => Let(call.CallId));
            return Task.FromException<IReadOnlyList<AsyncRequest>>(new CallDatabaseException($"{_database.Path}: {e.Message}", e));
        }

        Interlocked.Add(ref _queued, -claimed.Count);
        return Task.FromResult<IReadOnlyList<AsyncRequest>>(claimed);
    }

    /// <summary>
    /// The call ended: its output (as kept, of <paramref name="total"/> bytes) and its final
    /// record, committed together. The store serves the record from memory until then (an
    /// async call's record is written here, not by <see cref="SqliteCallStore.Finish"/>);
    /// call <see cref="Forget"/> once this committed, or once giving up on it.
    /// </summary>
    public async Task CompleteAsync(CallRecord record, ReadOnlyMemory<byte> output, string? outputType, long total)
    {
        await WriteAsync(write =>
        {
            DatabaseWrite.Execute(write.Command(Completion, "$id", "$output", "$type", "$total"), record.CallId, output.ToArray(), outputType, total);
            CallRows.Upsert(write, [record]);
            return true;
        }).ConfigureAwait(false);
        _journal.Ended(record.CallId);
        Let(record.CallId);
    }

    /// <summary>The store no longer holds <paramref name="record"/> in memory: it is read from the file.</summary>
    public void Forget(CallRecord record) => _store.Forget([record]);

    /// <summary>
    /// A claimed call that never reached a process (no place free within the queue wait)
    /// goes back to the queue as it was: its start taken back, not counted as a run.
    /// </summary>
    public void Release(string callId)
    {
        _journal.Unstart(callId);
        Let(callId);
        Interlocked.Increment(ref _queued);
    }

    /// <summary>
    /// The call has its process and is about to get it: recorded in the journal, one
    /// write(2), so that after a crash it counts as cut off, not as never started. A journal
    /// that cannot be written (a full disk) is logged; the call runs (a crash right after
    /// would then run it again).
    /// </summary>
    public void Started(string callId)
    {
        try
        {
            _journal.TryStart(callId);
        }
        catch (IOException e)
        {
            _logger.StartNotRecorded(callId, _database.Path, e.Message);
        }
    }

    private bool TryTake(string callId)
    {
        lock (_taken)
        {
            return _taken.Add(callId);
        }
    }

    private void Let(string callId)
    {
        lock (_taken)
        {
            _taken.Remove(callId);
        }
    }

    /// <summary>The output of an ended async call as kept; null when there is none (yet).</summary>
    public AsyncOutput? ReadOutput(string callId)
    {
        using var connection = _database.Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT output, output_type, output_total FROM async_calls WHERE id = $id AND state = 'done' AND output IS NOT NULL;";
        command.Parameters.AddWithValue("$id", callId);
        using var rows = command.ExecuteReader();
        if (!rows.Read())
        {
            return null;
        }

        var output = (byte[])rows.GetValue(0);
        return new AsyncOutput(output, rows.IsDBNull(1) ? null : rows.GetString(1), rows.IsDBNull(2) ? output.Length : rows.GetInt64(2));
    }

    /// <summary>Work of the queue in the writer's next transaction; a refusal of the database as <see cref="CallDatabaseException"/>.</summary>
    private async Task<T> WriteAsync<T>(Func<DatabaseWrite, T> work)
    {
        try
        {
            return await _writer.RunAsync(work).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not CallDatabaseException)
        {
            throw new CallDatabaseException($"{_database.Path}: {e.Message}", e);
        }
    }

    private static bool Store(DatabaseWrite write, AsyncSubmission call)
    {
        DatabaseWrite.Execute(write.Command(Insert, "$id", "$app", "$function", "$method", "$request_url", "$target", "$headers", "$body"),
            call.Record.CallId, call.Record.App, call.Record.Function, call.Method, call.RequestUrl, call.Target,
            AsyncHeaders.Write(call.Headers), call.Body);
        CallRows.Upsert(write, [call.Record]);
        call.Also?.Invoke(write);
        return true;
    }

    private int CountQueued()
    {
        using var connection = _database.Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM async_calls WHERE state = 'queued' AND state != 'done';";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

}

/// <summary>
/// An async call as accepted: its record (status queued) and its request, the body read whole;
/// <see cref="Also"/> writes what else is committed with it (a Sonr function's callback).
/// </summary>
public sealed record AsyncSubmission(CallRecord Record, string Method, string RequestUrl, string Target,
    IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> Headers, byte[] Body, Action<DatabaseWrite>? Also = null);

/// <summary>An ended async call's output: the bytes kept, its content type, and how many bytes the function wrote in all.</summary>
public sealed record AsyncOutput(byte[] Bytes, string? ContentType, long Total);

/// <summary>A queued call, to be dispatched to its function.</summary>
public sealed record QueuedCall(string CallId, string App, string Function);

/// <summary>A claimed call's request, its headers as stored; <see cref="Attempts"/> counts this one.</summary>
public sealed record AsyncRequest(string CallId, string App, string Function, string Method, string RequestUrl, string Target,
    string StoredHeaders, byte[] Body, int Attempts)
{
    /// <summary>The headers, in request order; throws <see cref="System.Text.Json.JsonException"/> for a row changed by hand into something else.</summary>
    public IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Headers => AsyncHeaders.Parse(StoredHeaders);
}
