using System.Buffers;
using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Pool;
using Fnagent.Processes;

namespace Fnagent.Invocation;

/// <summary>
/// The <c>default</c> format (docs/protocols.md §2): one process per call, the body
/// streamed to its stdin, its stdout streamed back.
/// </summary>
/// <remarks>
/// The status depends on the exit code, which is only known at the end, while the body
/// must stream. So the first <see cref="HoldBackBytes"/> of stdout are held back: a
/// function that answers within them (most do) gets the exact status, 200 or 502. A
/// larger answer is sent as 200 as soon as it outgrows the hold-back; if the process then
/// fails, the response is broken off (the caller sees an incomplete body, never a
/// clean success) and the call record holds the error.
/// </remarks>
public sealed partial class ColdRunner(AgentOptions options, FormatCodecs codecs, TimeProvider time, ColdLimiters? limiters = null) : IFormatRunner
{
    public const int HoldBackBytes = 64 * 1024;

    /// <summary>One call with its place among the function's calls in flight (see ColdRunner.Admission.cs).</summary>
    private async Task<FunctionError?> RunAdmittedAsync(Call call, ICallResponse response, CancellationToken callerAborted)
    {
        var function = call.Function;
        var request = call.Request;
        // The call's head travels in the environment, as its format's codec encodes it.
        var format = codecs.For(function.Format);
        FunctionProcess process;
        try
        {
            process = FunctionLaunch.Start(function, options, stdoutIsLog: false, (env, _) =>
                {
                    format.AddCallEnvironment(env, request);

                    // A cold process serves one call: FN_TYPE is that call's (docs/protocols.md §1).
                    env["FN_TYPE"] = call.Record.Type;
                },
                line => call.OnOutputLine(call.Record.Pid ?? 0, line), call.Additions);
        }
        catch (ProcessStartException e)
        {
            return FunctionErrors.From(e);
        }

        await using (process.ConfigureAwait(false))
        {
            call.Record.Pid = process.Id;
            using var stop = new CallStop(call, time, callerAborted);

            // A kill ends every read and write of the call: stdout reaches its end once the
            // whole group is dead, so no read below can outlive the deadline.
            await using var killOnStop = stop.Token.UnsafeRegister(static p => ((FunctionProcess)p!).Kill(), process).ConfigureAwait(false);
            var feed = FeedStdinAsync(request.Body, process, stop.Token);
            var error = await RelayStdoutAsync(call, process, feed, response, stop.Token).ConfigureAwait(false);
            var feedError = await feed.ConfigureAwait(false);

            process.Kill();
            await ((Task)process.Exited.WaitAsync(TimeSpan.FromSeconds(5))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (process.Exited.IsCompletedSuccessfully)
            {
                call.Record.ExitCode = process.Exited.Result;
            }

            return feedError ?? (stop.IsStopped ? stop.Error() : error);
        }
    }

    private static async Task<FunctionError?> FeedStdinAsync(Stream body, FunctionProcess process, CancellationToken stop)
    {
        try
        {
            // The stop ends a read that waits on a caller who sends slowly, past the deadline.
            await body.CopyToAsync(process.StandardInput, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestTooLargeException or RequestBodyIncompleteException)
        {
            // Killed before stdin closes below: a cut body must never reach the function as a
            // whole one followed by a clean end of input (docs/protocols.md §2).
            process.Kill();
            return FunctionErrors.From(e);
        }
        catch (IOException)
        {
            // The function closed stdin or exited without reading all of it: its choice.
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            try
            {
                await process.StandardInput.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // EPIPE on the final flush: the reader is gone, nothing to tell it.
            }
        }

        return null;
    }

    private static async Task<FunctionError?> RelayStdoutAsync(Call call, FunctionProcess process, Task<FunctionError?> feed, ICallResponse response, CancellationToken stop)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(HoldBackBytes);
        var spool = new OutputSpool(process.PrivateDirectory!);
        try
        {
            // Hold the output back until the request body is all in (see OutputSpool) and
            // either the output ended or it outgrew the hold-back.
            int read;
            while ((read = await ReadAsync(process.StandardOutput, buffer, stop).ConfigureAwait(false)) > 0)
            {
                await spool.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                // A feed that failed killed the process: its output is read to the end, never sent.
                if (feed is { IsCompletedSuccessfully: true, Result: null } && spool.Length >= HoldBackBytes)
                {
                    break;
                }
            }

            if (read == 0)
            {
                // The whole answer is held: its status can still follow the exit code.
                var code = await WaitExitAsync(process, stop).ConfigureAwait(false);

                // The whole log is in before the caller has the answer.
                await process.StderrDrained.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (code is not 0)
                {
                    return await ExitErrorAsync(process, code).ConfigureAwait(false);
                }

                await StartAsync(call, response, spool.Length, stop).ConfigureAwait(false);
                await spool.DrainToAsync(response.Body, stop).ConfigureAwait(false);
                return null;
            }

            await StartAsync(call, response, null, stop).ConfigureAwait(false);
            await spool.DrainToAsync(response.Body, stop).ConfigureAwait(false);
            while ((read = await ReadAsync(process.StandardOutput, buffer, stop).ConfigureAwait(false)) > 0)
            {
                await response.Body.WriteAsync(buffer.AsMemory(0, read), stop).ConfigureAwait(false);
            }

            var exit = await WaitExitAsync(process, stop).ConfigureAwait(false);
            return exit is 0 ? null : await ExitErrorAsync(process, exit).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null; // The caller of RelayStdoutAsync classifies deadline and abort.
        }
        catch (IOException)
        {
            // Reads end at 0 on a broken pipe: this one was the caller's side breaking.
            return stop.IsCancellationRequested ? null : FunctionErrors.CallerGone;
        }
        finally
        {
            // A read abandoned at the deadline may still fill the buffer later: it is left to the GC.
            if (!stop.IsCancellationRequested)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            await spool.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async ValueTask<int> ReadAsync(Stream stdout, Memory<byte> buffer, CancellationToken stop)
    {
        try
        {
            // A blocking pipe read does not end at its token, and something the kill could
            // not reach (a detached child) may hold stdout open
            // for hours: at the deadline (docs/protocols.md §2) the read is abandoned instead of awaited.
            var read = stdout.ReadAsync(buffer, stop);
            return read.IsCompleted ? await read.ConfigureAwait(false) : await read.AsTask().WaitAsync(stop).ConfigureAwait(false);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static async Task<int?> WaitExitAsync(FunctionProcess process, CancellationToken stop)
    {
        // stdout closed; the process may still run (it closed stdout early). The deadline
        // bounds the wait: 'stop' kills the group, which ends Exited.
        try
        {
            return await process.Exited.WaitAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static ValueTask StartAsync(Call call, ICallResponse response, long? length, CancellationToken stop)
    {
        // The record holds the status sent, even when the process fails after it: an answer
        // past the hold-back went out as 200 and is then broken off.
        call.Record.HttpStatus = 200;
        return response.StartAsync(new FunctionResponse { StatusCode = 200, ContentLength = length }, stop);
    }

    private static async ValueTask<FunctionError?> ExitErrorAsync(FunctionProcess process, int? code) => code switch
    {
        null => null, // stopped by deadline or caller: classified by the caller of this method
        _ when await process.ExceededLimitAsync().ConfigureAwait(false) is { } limit => new FunctionError(FunctionErrorKind.OverLimit, $"function was killed: {limit}"),
        _ => new FunctionError(FunctionErrorKind.Exited, $"function exited with code {code}"),
    };

}
