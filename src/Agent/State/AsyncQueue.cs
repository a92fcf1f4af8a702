using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Fnagent.State;

/// <summary>
/// The durable queue of async calls, in the call database. A call is accepted only once its
/// request and its record are committed (<see cref="EnqueueAsync"/>: concurrent submissions
/// share one commit); it is marked running, committed, before it starts (<see cref="ClaimAsync"/>),
/// so that after a crash of the agent <see cref="Recover"/> knows which calls never started
/// (they run) and which were cut off (re-run when the function allows retries, else failed).
/// </summary>
public sealed class AsyncQueue
{
    /// <summary>The error an async call gets when the agent died while it ran and it may not run again.</summary>
    public const string StoppedDuringCall = "agent stopped during the call";

    private const string Insert = """
        INSERT INTO async_calls (id, app, function, method, request_url, target, headers, body, state)
        VALUES ($id, $app, $function, $method, $request_url, $target, $headers, $body, 'queued');
        """;

    private const string ClaimOne = """
        UPDATE async_calls SET state = 'running', attempts = attempts + 1 WHERE id = $id AND state = 'queued'
        RETURNING id, app, function, method, request_url, target, headers, body, attempts;
        """;

    private const string Unclaim =
        "UPDATE async_calls SET state = 'queued', attempts = attempts - 1 WHERE id = $id AND state = 'running';";

    private const string Completion =
        "UPDATE async_calls SET state = 'done', body = x'', output = $output, output_type = $type, output_total = $total WHERE id = $id;";

    private readonly SqliteCallStore _store;
    private readonly CallDatabase _database;
    private readonly CallDatabaseWriter _writer;
    private readonly int _maxQueued;
    private readonly ILogger _logger;
    private int _queued;

    /// <summary>The queue in <paramref name="store"/>'s database, written by its writer.</summary>
    public AsyncQueue(SqliteCallStore store, int maxQueued, ILogger logger)
    {
        _store = store;
        _database = store.Database;
        _writer = store.Writer;
        _maxQueued = maxQueued;
        _logger = logger;
        _queued = CountQueued();
    }

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
        var cutOff = new List<(string Id, string App, string Function, int Attempts)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, app, function, attempts FROM async_calls WHERE state = 'running' AND state != 'done' ORDER BY id;";
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                cutOff.Add((rows.GetString(0), rows.GetString(1), rows.GetString(2), rows.GetInt32(3)));
            }
        }

        using (var transaction = connection.BeginTransaction())
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            var id = command.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
            command.Parameters.AddWithValue("$error", StoppedDuringCall);
            command.Parameters.AddWithValue("$output", System.Text.Encoding.UTF8.GetBytes("{\"error\":{\"message\":\"" + StoppedDuringCall + "\"}}"));
            command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            foreach (var (callId, app, function, attempts) in cutOff)
            {
                var again = attempts <= retries(app, function);
                id.Value = callId;
                command.CommandText = again
                    ? "UPDATE async_calls SET state = 'queued' WHERE id = $id; UPDATE calls SET status = 'queued', pid = NULL WHERE id = $id;"
                    : """
                      UPDATE async_calls SET state = 'done', body = x'', output = $output, output_type = 'application/json', output_total = length($output) WHERE id = $id;
                      UPDATE calls SET status = 'error', http_status = 503, error = $error, ended_at = $now WHERE id = $id;
                      """;
                command.ExecuteNonQuery();
                _logger.AsyncCallCutOff(app, function, callId, again ? "queued again" : "failed: " + StoppedDuringCall);
            }

            transaction.Commit();
        }

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
    /// Marks the queued calls among <paramref name="callIds"/> running, committed, and returns
    /// their requests; an id not queued (claimed already, or gone) is left out.
    /// </summary>
    public async Task<IReadOnlyList<AsyncRequest>> ClaimAsync(IReadOnlyList<string> callIds)
    {
        var claimed = await WriteAsync(write => Claim(write, callIds)).ConfigureAwait(false);
        Interlocked.Add(ref _queued, -claimed.Count);
        return claimed;
    }

    /// <summary>
    /// The call ended: its output (as kept, of <paramref name="total"/> bytes) and its final
    /// record, committed together. The store serves the record from memory until then (an
    /// async call's record is written here, not by <see cref="SqliteCallStore.Finish"/>);
    /// call <see cref="Forget"/> once this committed, or once giving up on it.
    /// </summary>
    public Task CompleteAsync(CallRecord record, ReadOnlyMemory<byte> output, string? outputType, long total) =>
        WriteAsync(write =>
        {
            DatabaseWrite.Execute(write.Command(Completion, "$id", "$output", "$type", "$total"), record.CallId, output.ToArray(), outputType, total);
            CallRows.Upsert(write, [record]);
            return true;
        });

    /// <summary>The store no longer holds <paramref name="record"/> in memory: it is read from the file.</summary>
    public void Forget(CallRecord record) => _store.Forget([record]);

    /// <summary>
    /// A claimed call that never reached a process (no place free within the queue wait)
    /// goes back to the queue as it was: not counted as a run, its record queued again.
    /// </summary>
    public Task ReleaseAsync(CallRecord accepted) =>
        WriteAsync(write =>
        {
            DatabaseWrite.Execute(write.Command(Unclaim, "$id"), accepted.CallId);
            CallRows.Upsert(write, [accepted]);
            Interlocked.Increment(ref _queued);
            return true;
        });

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
        return true;
    }

    private static List<AsyncRequest> Claim(DatabaseWrite write, IReadOnlyList<string> callIds)
    {
        var command = write.Command(ClaimOne, "$id");
        var claimed = new List<AsyncRequest>(callIds.Count);
        foreach (var callId in callIds)
        {
            command.Parameters[0].Value = callId;
            using var rows = command.ExecuteReader();
            if (rows.Read())
            {
                claimed.Add(new AsyncRequest(rows.GetString(0), rows.GetString(1), rows.GetString(2), rows.GetString(3), rows.GetString(4),
                    rows.GetString(5), rows.GetString(6), (byte[])rows.GetValue(7), rows.GetInt32(8)));
            }
        }

        return claimed;
    }

    private int CountQueued()
    {
        using var connection = _database.Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM async_calls WHERE state = 'queued' AND state != 'done';";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

}

/// <summary>An async call as accepted: its record (status queued) and its request, the body read whole.</summary>
public sealed record AsyncSubmission(CallRecord Record, string Method, string RequestUrl, string Target,
    IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> Headers, byte[] Body);

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
