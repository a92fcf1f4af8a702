using Fnagent.Functions;

namespace Fnagent.Pool;

/// <summary>
/// The calls in flight of one <c>default</c>-format function: at most <c>max_concurrency</c>
/// at once (each is a process), the rest wait in line, first come first served, bounded by
/// the queue wait exactly as a hot call waits for a process. The limit follows func.yml
/// edits live: a raised limit lets waiters in at once, a lowered one lets calls in flight
/// finish. Thread-safe: the count and the line change under one lock.
/// </summary>
/// <remarks>
/// Without it a cold function had no limit at all: 300 calls at once to a function limited
/// to 4 started 201 processes, and 95 calls timed out from the overload they made.
/// </remarks>
public sealed class ColdLimiter(FunctionDefinition function, TimeProvider time) : IServesLaunch
{
    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private FunctionDefinition _function = function;
    private int _running;

    /// <summary>The definition in force; a new limit applies at once.</summary>
    public FunctionDefinition Function
    {
        get => Volatile.Read(ref _function);
        set
        {
            lock (_gate)
            {
                Volatile.Write(ref _function, value);
                AdmitWaiters();
            }
        }
    }

    /// <summary>Calls holding a place now.</summary>
    public int Running
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    /// <summary>A place at once when one is free and nobody waits (the call's whole cost when not saturated).</summary>
    public bool TryEnter()
    {
        lock (_gate)
        {
            if (_waiters.Count == 0 && _running < Function.MaxConcurrency)
            {
                _running++;
                return true;
            }

            return false;
        }
    }

    /// <summary>
    /// A place, after waiting in line if need be; give it back with <see cref="Exit"/>.
    /// Throws <see cref="NoCapacityException"/> after <paramref name="queueWait"/>, and
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/>
    /// fires first; either way the caller holds no place.
    /// </summary>
    public async ValueTask EnterAsync(TimeSpan queueWait, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        LinkedListNode<TaskCompletionSource> node;
        lock (_gate)
        {
            if (_waiters.Count == 0 && _running < Function.MaxConcurrency)
            {
                _running++;
                return;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiters.AddLast(waiter);
        }

        try
        {
            await waiter.Task.WaitAsync(queueWait, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            if (!LeaveLine(node))
            {
                // Let in just as the wait ended: give the place back rather than leak it.
                Exit();
            }

            if (e is TimeoutException)
            {
                throw new NoCapacityException(Function.MaxConcurrency, queueWait);
            }

            throw;
        }
    }

    /// <summary>Gives a place back; the first waiter takes it.</summary>
    public void Exit()
    {
        lock (_gate)
        {
            _running--;
            AdmitWaiters();
        }
    }

    /// <summary>
    /// Nothing to release: calls in flight and in line keep this limiter and finish under
    /// it, as a retired pool's busy processes finish their calls; new calls go to the
    /// limiter of the function's new launch.
    /// </summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Under the lock: lets waiters in, in order, while places are free.</summary>
    private void AdmitWaiters()
    {
        while (_running < Function.MaxConcurrency && _waiters.First is { } first)
        {
            _waiters.RemoveFirst();
            _running++;
            first.Value.TrySetResult();
        }
    }

    /// <summary>True when the waiter was still in line (and now left it); false when it was already let in.</summary>
    private bool LeaveLine(LinkedListNode<TaskCompletionSource> node)
    {
        lock (_gate)
        {
            if (node.List is null)
            {
                return false;
            }

            _waiters.Remove(node);
            return true;
        }
    }
}
