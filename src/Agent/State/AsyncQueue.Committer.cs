using Microsoft.Data.Sqlite;

namespace Fnagent.State;

/// <summary>
/// Group commit: the submissions that arrive while one transaction commits go in the next,
/// and each caller hears back only after the commit that holds its call.
/// </summary>
public sealed partial class AsyncQueue
{
    private const int MaxGroup = 256;

    private const string Insert = """
        INSERT INTO async_calls (id, app, function, method, request_url, target, headers, body, state)
        VALUES ($id, $app, $function, $method, $request_url, $target, $headers, $body, 'queued');
        """;

    private async Task CommitLoopAsync()
    {
        var group = new List<Submission>(MaxGroup);
        var reader = _submissions.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (group.Count < MaxGroup && reader.TryRead(out var submission))
            {
                group.Add(submission);
            }

            try
            {
                Commit(group);
                foreach (var submission in group)
                {
                    submission.Committed.TrySetResult();
                }
            }
            catch (Exception e)
            {
                _logger.AsyncCallsNotQueued(group.Count, _database.Path, e.Message);
                foreach (var submission in group)
                {
                    submission.Committed.TrySetException(e);
                }
            }

            group.Clear();
        }
    }

    private void Commit(List<Submission> group)
    {
        using var connection = _database.Connect();
        using var transaction = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = Insert;
            string[] names = ["$id", "$app", "$function", "$method", "$request_url", "$target", "$headers", "$body"];
            var parameters = names.Select(name => command.Parameters.Add(new SqliteParameter { ParameterName = name })).ToArray();
            foreach (var (call, _) in group)
            {
                object[] values =
                [
                    call.Record.CallId, call.Record.App, call.Record.Function, call.Method, call.RequestUrl, call.Target,
                    AsyncHeaders.Write(call.Headers), call.Body.ToArray(),
                ];
                for (var i = 0; i < values.Length; i++)
                {
                    parameters[i].Value = values[i];
                }

                command.ExecuteNonQuery();
            }
        }

        CallRows.Upsert(connection, transaction, group.Select(s => s.Call.Record));
        transaction.Commit();
    }
}
