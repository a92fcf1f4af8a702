using System.IO.Pipelines;
using System.Net.Sockets;
using Fnagent.Functions;
using Fnagent.Processes;
using Microsoft.Extensions.Logging;

namespace Fnagent.Pool;

/// <summary>
/// A function process kept alive between calls, with the transport its format speaks
/// over: stdin/stdout (<c>json</c>, <c>http</c>) or the Unix socket an <c>http-stream</c>
/// function listens on (its stdout is then a log, like stderr). Also the call it serves
/// right now, to which its output lines belong. One call at a time; the pool sees to that.
/// </summary>
public sealed class HotProcess : IAsyncDisposable
{
    private readonly FunctionProcess _process;
    private readonly FunctionDefinition _function;
    private readonly ILogger _logger;
    private readonly long _maxLogBytes;
    private Socket? _socket;
    private ICallOutput? _current;
    private AgentLogAllowance _betweenCalls;

    private HotProcess(FunctionProcess process, FunctionDefinition function, ILogger logger, long maxLogBytes)
    {
        _process = process;
        _function = function;
        _logger = logger;
        _maxLogBytes = maxLogBytes;
    }

    public int Id => _process.Id;

    /// <summary>What the function answers on: its stdout, or its socket.</summary>
    public PipeReader Input { get; private set; } = null!;

    /// <summary>Where calls go: its stdin, or its socket.</summary>
    public PipeWriter Output { get; private set; } = null!;

    public Task<int> Exited => _process.Exited;

    public bool HasExited => _process.HasExited;

    /// <summary>The limit the process was stopped by, or null (see <see cref="FunctionProcess.ExceededLimitAsync"/>).</summary>
    public ValueTask<string?> ExceededLimitAsync() => _process.ExceededLimitAsync();

    /// <summary>The process's private directory (its TMPDIR), also where the agent spools its output.</summary>
    public string? PrivateDirectory => _process.PrivateDirectory;

    /// <summary>True when the function wrote anything, or hung up, since the last read. Never blocks.</summary>
    public bool HasUnreadOutput => _socket is { } socket ? socket.Poll(0, SelectMode.SelectRead) : _process.HasUnreadOutput;

    /// <summary>True once it was found writing bytes that were no answer (its pool then holds processes back after answers).</summary>
    public bool WroteOutsideAnswer { get; set; }

    /// <summary>When the process last finished a call (or started), for idle eviction.</summary>
    public DateTimeOffset LastUsed { get; set; }

    private int _served;

    /// <summary>True for the first call it is given only: that call was cold (a process started for it).</summary>
    public bool TakesFirstCall() => Interlocked.Exchange(ref _served, 1) == 0;

    /// <summary>The call being served; its output lines go to its log. Null between calls.</summary>
    public ICallOutput? Current
    {
        get => Volatile.Read(ref _current);
        set
        {
            if (value is not null)
            {
                // What it writes after this call is a new spell between calls.
                _betweenCalls.Reset();
            }

            Volatile.Write(ref _current, value);
        }
    }

    /// <summary>
    /// Starts a process of <paramref name="function"/> and, when its format's transport is a
    /// Unix socket (http-stream), waits until it listens. What it writes meanwhile goes to
    /// <paramref name="starter"/>'s log, so a failed start can be read about. Throws
    /// <see cref="ProcessStartException"/> or <see cref="FunctionStartException"/>; leaves
    /// nothing running when it throws.
    /// </summary>
    public static async Task<HotProcess> StartAsync(FunctionDefinition function, AgentOptions options, ILogger logger,
        DateTimeOffset now, ICallOutput? starter, CancellationToken cancellationToken)
    {
        // Over stdio, stdout carries the answers; over a socket it is a log, like stderr.
        var overSocket = FunctionFormats.Of(function.Format).Transport == FormatTransport.UnixSocket;
        HotProcess? hot = null;
        FunctionProcess? started = null;
        var process = FunctionLaunch.Start(function, options, stdoutIsLog: overSocket,
            overSocket ? (env, privateDirectory) => env["FN_LISTENER"] = ListenerSocket.ListenerAddress(privateDirectory) : null,
            line =>
            {
                // The pumps start with the process: a function that writes and exits at
                // once can be heard from before 'hot' exists; its words belong to the starter.
                if (hot is not null)
                {
                    hot.OnOutputLine(line);
                }
                else if (starter is not null)
                {
                    starter.OnOutputLine(started?.Id ?? 0, line);
                }
                else
                {
                    logger.FunctionOutputBetweenCalls(function.App, function.Name, started?.Id ?? 0, line);
                }
            });
        started = process;

        hot = new HotProcess(process, function, logger, options.Limits.MaxLogBytesPerCall) { LastUsed = now, Current = starter };
        if (!overSocket)
        {
            hot.Input = PipeReader.Create(process.StandardOutput);
            hot.Output = PipeWriter.Create(process.StandardInput);
            hot.Current = null;
            return hot;
        }

        try
        {
            hot._socket = await ListenerSocket.ConnectAsync(process, options.Limits.StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await process.LogCaughtUpAsync(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
            hot.Current = null;
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var stream = new NetworkStream(hot._socket, ownsSocket: true);
        hot.Input = PipeReader.Create(stream);
        hot.Output = PipeWriter.Create(stream);
        hot.Current = null;
        return hot;
    }

    /// <summary>Waits (bounded) until the output the process wrote so far is in the current call's log.</summary>
    public ValueTask LogCaughtUpAsync() => _process.LogCaughtUpAsync(TimeSpan.FromSeconds(1));

    /// <summary>Kills the process tree at once (deadline, caller gone, broken protocol).</summary>
    public void Kill() => _process.Kill();

    /// <summary>
    /// Retires the process gracefully: end of input, a grace period to exit by itself,
    /// then a kill. Never throws.
    /// </summary>
    public async ValueTask RetireAsync(TimeSpan grace)
    {
        try
        {
            // stdio: end of input. http-stream: the FDK keeps listening; the grace period
            // only lets it finish what it was doing before the kill.
            if (_socket is null)
            {
                await Output.CompleteAsync().ConfigureAwait(false);
            }
            else
            {
                _process.Terminate();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }

        await ((Task)_process.Exited.WaitAsync(grace)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Kills what is left and reaps it.</summary>
    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.DisposeAsync().ConfigureAwait(false);
        await Input.CompleteAsync().ConfigureAwait(false);
        try
        {
            await Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private void OnOutputLine(string line)
    {
        if (Current is { } call)
        {
            call.OnOutputLine(Id, line);
        }
        else
        {
            // Capped like a call's output: a process flooding while idle must not flood the agent's log.
            switch (_betweenCalls.Take(line, _maxLogBytes))
            {
                case AgentLogAllowance.Verdict.Copy:
                    _logger.FunctionOutputBetweenCalls(_function.App, _function.Name, Id, line);
                    break;
                case AgentLogAllowance.Verdict.Exhausted:
                    _logger.FunctionOutputBetweenCallsNotCopied(_function.App, _function.Name, Id, _maxLogBytes);
                    break;
            }
        }
    }
}
