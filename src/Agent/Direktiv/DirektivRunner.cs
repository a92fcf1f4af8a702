using System.Diagnostics;
using System.Net.Http.Headers;
using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Invocation;
using Microsoft.Extensions.Logging;

namespace Fnagent.Direktiv;

/// <summary>
/// The <c>direktiv</c> format (docs/protocols.md §8): the input is POSTed to the
/// function's HTTP server with <c>Direktiv-ActionID</c> and <c>Direktiv-TempDir</c>; the
/// error headers become the caller's JSON error; on the deadline or a caller abort the
/// function gets <c>DELETE /</c> for the same action id before the agent gives up. A
/// function whose command is Direktiv's <c>direktiv-cmd</c> is run by the built-in
/// <see cref="DirektivCommandRunner"/> instead.
/// </summary>
/// <remarks>
/// The steps of a call:
/// 1. Take a place among the calls in flight to the function's instance (started if need be).
/// 2. POST the input; on the deadline or an abort, <c>DELETE /</c> first, then give up.
/// 3. When the connection broke, wait briefly for the instance to exit, so that no later call
///    is handed an instance that is dying (a crash on one call made the next one fail).
/// 4. When the request could not be delivered at all (the connection was refused: nothing
///    can have run) and the instance is gone, once more from step 1 on a fresh instance.
/// </remarks>
public sealed class DirektivRunner(DirektivInstances instances, DirektivCommandRunner commands, DirektivCalls calls,
    AgentOptions options, TimeProvider time, ILogger<DirektivRunner> logger) : IFormatRunner
{
    public const string ActionIdHeader = "Direktiv-ActionID";
    public const string TempDirHeader = "Direktiv-TempDir";
    public const string ErrorCodeHeader = "Direktiv-ErrorCode";
    public const string ErrorMessageHeader = "Direktiv-ErrorMessage";

    // How long a broken connection is given to turn out to be the instance's death.
    private static readonly TimeSpan ExitSettle = TimeSpan.FromSeconds(1);

    public async Task<FunctionError?> RunAsync(Call call, ICallResponse response, CancellationToken callerAborted)
    {
        using var stop = new CallStop(call, time, callerAborted);
        if (IsCommandRunner(call.Function))
        {
            return await commands.RunAsync(call, response, stop).ConfigureAwait(false);
        }

        using (calls.Register(call))
        {
            var (error, undelivered) = await RunOnceAsync(call, response, stop).ConfigureAwait(false);

            // Step 4: the dead instance is replaced on the way (it is never handed out).
            return undelivered ? (await RunOnceAsync(call, response, stop).ConfigureAwait(false)).Error : error;
        }
    }

    /// <summary>Steps 1 to 3 once; <c>Undelivered</c> when nothing reached a function that is gone now.</summary>
    private async Task<(FunctionError? Error, bool Undelivered)> RunOnceAsync(Call call, ICallResponse response, CallStop stop)
    {
        // Step 1: a place and the instance.
        DirektivLease lease;
        var since = Stopwatch.GetTimestamp();
        try
        {
            lease = await instances.For(call.Function).AcquireAsync(stop.QueueWait(options), call, stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (FunctionErrors.From(e, stop, CallPhase.WaitingForFunction) is { } failed)
        {
            return (failed, false);
        }

        using (lease)
        {
            var instance = lease.Instance;
            call.Placed(since, cold: instance.TakesFirstCall());
            call.Record.Pid = instance.Id;
            var tempDir = instance.NewCallDirectory(call.Request.CallId);
            try
            {
                // Step 2.
                return await ExchangeAsync(call, instance, tempDir, response, stop).ConfigureAwait(false);
            }
            finally
            {
                TryDelete(tempDir);
            }
        }
    }

    /// <summary>True when the function's command is Direktiv's generic command server.</summary>
    public static bool IsCommandRunner(FunctionDefinition function) =>
        function.Command is [var program, ..] && program == FunctionFileParser.CommandsRunner[0];

    private async Task<(FunctionError? Error, bool Undelivered)> ExchangeAsync(Call call, DirektivInstance instance, string tempDir, ICallResponse response, CallStop stop)
    {
        // The POST is given up only after the function was told to stop (DELETE), so a
        // function can clean up what the call started.
        using var giveUp = new CancellationTokenSource();
        Task cancelling = Task.CompletedTask;
        var onStop = stop.Token.Register(() => cancelling = CancelAsync(call, instance, giveUp));
        try
        {
            return await PostAsync(call, instance, tempDir, response, giveUp.Token, stop).ConfigureAwait(false);
        }
        finally
        {
            // The DELETE (if any) is over before the call is: it may still use the instance.
            await onStop.DisposeAsync().ConfigureAwait(false);
            await cancelling.ConfigureAwait(false);
        }
    }

    private async Task<(FunctionError? Error, bool Undelivered)> PostAsync(Call call, DirektivInstance instance, string tempDir, ICallResponse response,
        CancellationToken giveUp, CallStop stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.TryAddWithoutValidation(ActionIdHeader, call.Request.CallId);
        request.Headers.TryAddWithoutValidation(TempDirHeader, tempDir);
        request.Content = new StreamContent(call.Request.Body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentLength = call.Request.ContentLength;
        try
        {
            using var answer = await instance.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, giveUp).ConfigureAwait(false);
            var body = await ReadLimitedAsync(answer.Content, options.Limits.MaxResponseBytes, giveUp).ConfigureAwait(false);
            if (stop.IsStopped)
            {
                return (stop.Error("mid-call"), false);
            }

            if (body is null)
            {
                return (new FunctionError(FunctionErrorKind.ResponseTooLarge, $"response too large (limit {options.Limits.MaxResponseBytes} bytes)"), false);
            }

            if (ErrorOf(answer) is { } error)
            {
                return (error, false);
            }

            await response.StartAsync(new FunctionResponse
            {
                StatusCode = (int)answer.StatusCode,
                ContentType = answer.Content.Headers.ContentType?.ToString() ?? "application/json",
                ContentLength = body.Length,
            }, stop.Token).ConfigureAwait(false);
            await response.Body.WriteAsync(body, stop.Token).ConfigureAwait(false);
            return (null, false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            if (FunctionErrors.From(e, stop) is { } stopped)
            {
                return (stopped, false);
            }

            // Step 3. A refused connection delivered nothing (the launcher stops relaying
            // once the function exited); HttpClient does not read the body before it connects.
            var exited = await ExitedAsync(instance).ConfigureAwait(false);
            var refused = e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };
            return exited
                ? (new FunctionError(FunctionErrorKind.Exited, $"function exited mid-call with code {await instance.Exited.ConfigureAwait(false)}"), refused)
                : (new FunctionError(FunctionErrorKind.Exited, $"function broke the connection: {e.Message}"), false);
        }
    }

    /// <summary>True when the instance exited, or does within <see cref="ExitSettle"/>.</summary>
    private async Task<bool> ExitedAsync(DirektivInstance instance)
    {
        try
        {
            await instance.Exited.WaitAsync(ExitSettle, time).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The caller's error for a Direktiv answer, or null when it is a success.</summary>
    private static FunctionError? ErrorOf(HttpResponseMessage answer)
    {
        var code = Header(answer, ErrorCodeHeader);
        var message = Header(answer, ErrorMessageHeader);
        if (!string.IsNullOrEmpty(code))
        {
            // Catchable, whatever the status and body (the seed: "regardless of what's stored in response data").
            return new FunctionError(FunctionErrorKind.FunctionFailed, message ?? "") { Code = code };
        }

        if (!string.IsNullOrEmpty(message))
        {
            // A message without a code: Direktiv marks the instance "crashed".
            return new FunctionError(FunctionErrorKind.FunctionFailed, $"function crashed: {message}");
        }

        return answer.IsSuccessStatusCode ? null
            : new FunctionError(FunctionErrorKind.FunctionFailed, $"function crashed: it answered status {(int)answer.StatusCode} without an error code");
    }

    private static string? Header(HttpResponseMessage answer, string name) =>
        answer.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    private async Task CancelAsync(Call call, DirektivInstance instance, CancellationTokenSource giveUp)
    {
        try
        {
            using var limit = new CancellationTokenSource(options.Direktiv.CancelTimeout, time);
            using var request = new HttpRequestMessage(HttpMethod.Delete, "/");
            request.Headers.TryAddWithoutValidation(ActionIdHeader, call.Request.CallId);
            using var answer = await instance.Client.SendAsync(request, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            logger.CancelNotAnswered(call.Function.App, call.Function.Name, call.Request.CallId, e.Message);
        }
        finally
        {
            giveUp.Cancel();
        }
    }

    /// <summary>The whole body, or null when it is over <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(HttpContent content, long limit, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > limit)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await BoundedRead.ReadAllAsync(stream, limit, cancellationToken).ConfigureAwait(false);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The instance's directory goes with it at the latest.
        }
    }
}
