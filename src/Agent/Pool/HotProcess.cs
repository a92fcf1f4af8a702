using System.IO.Pipelines;
using Fnagent.Functions;
using Fnagent.Invocation;
using Fnagent.Processes;
using Microsoft.Extensions.Logging;

namespace Fnagent.Pool;

/// <summary>
/// A function process kept alive between calls: its stdout as a <see cref="PipeReader"/>,
/// its stdin as a <see cref="PipeWriter"/>, and the call it serves right now, to which
/// its output lines belong. Serves one call at a time; the pool guarantees that.
/// </summary>
public sealed class HotProcess : IAsyncDisposable
{
    private readonly FunctionProcess _process;
    private readonly FunctionDefinition _function;
    private readonly ILogger _logger;
    private Call? _current;

    private HotProcess(FunctionProcess process, FunctionDefinition function, ILogger logger)
    {
        _process = process;
        _function = function;
        _logger = logger;
        Output = PipeWriter.Create(process.StandardInput);
        Input = PipeReader.Create(process.StandardOutput);
    }

    public int Id => _process.Id;

    /// <summary>The function's stdout.</summary>
    public PipeReader Input { get; }

    /// <summary>The function's stdin.</summary>
    public PipeWriter Output { get; }

    public Task<int> Exited => _process.Exited;

    public bool HasExited => _process.HasExited;

    public bool WasOutOfMemory => _process.WasOutOfMemory;

    /// <summary>True when the process wrote anything, or closed its stdout, since the last read. Never blocks.</summary>
    public bool HasUnreadOutput => _process.HasUnreadOutput;

    /// <summary>The process's private directory (its TMPDIR), also where the agent spools its output.</summary>
    public string? PrivateDirectory => _process.PrivateDirectory;

    /// <summary>When the process last finished a call (or started), for idle eviction.</summary>
    public DateTimeOffset LastUsed { get; set; }

    /// <summary>Waits (bounded) until the stderr the process wrote so far is in the current call's log.</summary>
    public ValueTask StderrCaughtUpAsync() => _process.StderrCaughtUpAsync(TimeSpan.FromSeconds(1));

    /// <summary>The call being served; its output lines go to its log. Null between calls.</summary>
    public Call? Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }

    public static HotProcess Start(FunctionDefinition function, AgentOptions options, ILogger logger, DateTimeOffset now)
    {
        var privateDirectory = Directory.CreateTempSubdirectory("fnagent-").FullName;
        HotProcess? hot = null;
        try
        {
            var process = FunctionProcess.Start(
                new ProcessSpec
                {
                    Command = function.Command,
                    Environment = FunctionEnvironment.ForProcess(function, options.FunctionPath, privateDirectory),
                    WorkingDirectory = function.Directory,
                    PrivateDirectory = privateDirectory,
                    MemoryLimitBytes = function.MemoryMb * 1024L * 1024L,
                },
                line => hot?.OnOutputLine(line));
            hot = new HotProcess(process, function, logger) { LastUsed = now };
            return hot;
        }
        catch
        {
            Directory.Delete(privateDirectory, recursive: true);
            throw;
        }
    }

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
            await Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }

        await _process.Exited.WaitAsync(grace).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
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
            _logger.FunctionOutputBetweenCalls(_function.App, _function.Name, Id, line);
        }
    }
}
