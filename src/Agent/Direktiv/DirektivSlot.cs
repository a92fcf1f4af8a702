using Fnagent.Functions;
using Fnagent.Invocation;
using Fnagent.Pool;
using Microsoft.Extensions.Logging;

namespace Fnagent.Direktiv;

/// <summary>
/// The instance of one Direktiv function and the calls in flight to it: up to
/// <c>max_concurrency</c> at once (a Direktiv function is a server that takes many), the
/// rest wait in line, bounded. Started on the first call, replaced when it died, retired
/// after <c>idle_timeout</c> with no call in flight. Thread-safe.
/// </summary>
public sealed class DirektivSlot : IServesLaunch
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _capacity;
    private readonly Func<FunctionDefinition, Call?, Task<DirektivInstance>> _start;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _idleTimer;
    private Task<DirektivInstance>? _instance;
    private int _inFlight;
    private bool _disposed;

    public DirektivSlot(FunctionDefinition function, Func<FunctionDefinition, Call?, Task<DirektivInstance>> start, TimeProvider time, ILogger logger)
    {
        Function = function;
        _capacity = new SemaphoreSlim(Math.Max(1, function.MaxConcurrency));
        _start = start;
        _time = time;
        _logger = logger;
        _idleTimer = time.CreateTimer(_ => RetireIfIdle(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The definition in force (edits that do not change the launch apply live).</summary>
    public FunctionDefinition Function { get; set; }

    /// <summary>
    /// A place among the calls in flight and the running instance, started if need be.
    /// Throws <see cref="NoCapacityException"/> past <paramref name="queueWait"/>, or the
    /// start's <see cref="Processes.ProcessStartException"/>. An instance whose process has
    /// exited is never handed out. When this call starts the instance, what the function
    /// prints until it listens goes to <paramref name="starter"/>'s log. Dispose the lease when done.
    /// </summary>
    public async Task<DirektivLease> AcquireAsync(TimeSpan queueWait, Call? starter, CancellationToken cancellationToken)
    {
        if (!await _capacity.WaitAsync(queueWait, cancellationToken).ConfigureAwait(false))
        {
            throw new NoCapacityException(Function.MaxConcurrency, queueWait);
        }

        Task<DirektivInstance> starting;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_instance is null || _instance.IsFaulted || _instance.IsCanceled || _instance is { IsCompletedSuccessfully: true } && HasExited(_instance))
            {
                // A dead instance is reaped (directory, bookkeeping) before the next starts.
                if (_instance is { IsCompletedSuccessfully: true } dead)
                {
                    _ = RetireAsync(dead, "exited");
                }

                // The start belongs to no caller: one caller giving up must not fail the others.
                _instance = _start(Function, starter);
            }

            starting = _instance;
            _inFlight++;
            _idleTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        try
        {
            var instance = await starting.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new DirektivLease(this, instance);
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>Starts the instance unless one runs or is starting (for <c>min_idle</c>); a failed start is retried on the next call.</summary>
    public void WarmUp()
    {
        lock (_gate)
        {
            if (!_disposed && (_instance is null || _instance.IsFaulted || _instance.IsCanceled))
            {
                _instance = _start(Function, null);

                // Nobody awaits a warm-up: observe its failure here (the next call retries).
                _instance.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task<DirektivInstance>? instance;
        lock (_gate)
        {
            _disposed = true;
            instance = _instance;
            _instance = null;
        }

        await _idleTimer.DisposeAsync().ConfigureAwait(false);
        await RetireAsync(instance, "function removed or agent stopping").ConfigureAwait(false);
    }

    internal void Release()
    {
        lock (_gate)
        {
            if (--_inFlight == 0 && !_disposed)
            {
                _idleTimer.Change(Function.IdleTimeout, Timeout.InfiniteTimeSpan);
            }
        }

        _capacity.Release();
    }

    // Only for a start that completed: awaiting it does not block.
    private static bool HasExited(Task<DirektivInstance> started) => started.GetAwaiter().GetResult().HasExited;

    private void RetireIfIdle()
    {
        Task<DirektivInstance>? instance;
        lock (_gate)
        {
            if (_inFlight > 0 || _disposed || Function.MinIdle > 0)
            {
                return;
            }

            instance = _instance;
            _instance = null;
        }

        _ = RetireAsync(instance, "idle");
    }

    private async Task RetireAsync(Task<DirektivInstance>? starting, string reason)
    {
        if (starting is null)
        {
            return;
        }

        try
        {
            var instance = await starting.ConfigureAwait(false);
            _logger.InstanceRetired(Function.App, Function.Name, instance.Id, reason);
            await instance.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is Processes.ProcessStartException or OperationCanceledException)
        {
            // It never started: nothing to retire.
        }
    }
}
