using Fnagent.Functions;
using Fnagent.Processes;

namespace Fnagent.Pool;

/// <summary>Slot bookkeeping: starting counted processes, handing slots to waiters, idle eviction, warm-up.</summary>
public sealed partial class HotPool
{
    /// <summary>Starts a process whose slot is already counted in <see cref="_live"/>; uncounts it on failure.</summary>
    private async ValueTask<HotProcess> StartCountedAsync(ICallOutput? starter, CancellationToken cancellationToken)
    {
        try
        {
            return await HotProcess.StartAsync(Function, _options, _logger, _time.GetUtcNow(), starter, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            FreeSlot();
            throw;
        }
    }

    /// <summary>One process is gone: its slot goes to the first waiter (counted for it), else it is free.</summary>
    private void FreeSlot()
    {
        lock (_gate)
        {
            while (_waiters.First is { } first)
            {
                _waiters.RemoveFirst();
                if (!_retired && first.Value.TrySetResult(null))
                {
                    return; // The slot stays counted: the waiter starts its own process.
                }
            }

            _live--;
        }
    }

    /// <summary>Under the lock: hands a free process to the first waiter still waiting.</summary>
    private bool HandToWaiter(HotProcess process)
    {
        while (_waiters.First is { } first)
        {
            _waiters.RemoveFirst();
            if (first.Value.TrySetResult(process))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the waiter was still in line (and now left it); false when it was already handed something.</summary>
    private bool LeaveLine(LinkedListNode<TaskCompletionSource<HotProcess?>> node)
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

    private async ValueTask GiveBackAsync(HotProcess? handed)
    {
        if (handed is null)
        {
            FreeSlot();
        }
        else
        {
            await ReleaseAsync(handed, reusable: true).ConfigureAwait(false);
        }
    }

    /// <summary>Retires processes idle past <c>idle_timeout</c>, keeping <c>min_idle</c> alive.</summary>
    private void SweepIdle()
    {
        var function = Function;
        var cutoff = _time.GetUtcNow() - function.IdleTimeout;
        List<Task<Task>>? retires = null;
        lock (_gate)
        {
            if (_retired || _idle.Count == 0)
            {
                return;
            }

            // The stack holds the most recently used on top; the stale ones sink to the bottom.
            var kept = new List<HotProcess>(_idle.Count);
            foreach (var process in _idle.Reverse())
            {
                if ((process.LastUsed <= cutoff || process.HasExited) && _live > function.MinIdle)
                {
                    // Tracked under the lock: a disposal that begins now awaits the retire.
                    (retires ??= []).Add(_background.Prepare(() => process.RetireAsync(TimeSpan.FromSeconds(1)).AsTask()));
                    _live--;
                }
                else
                {
                    kept.Add(process);
                }
            }

            _idle.Clear();
            foreach (var process in kept)
            {
                _idle.Push(process);
            }
        }

        foreach (var retire in retires ?? [])
        {
            retire.RunSynchronously();
        }

        if (retires is not null)
        {
            WarmUp();
        }
    }

    /// <summary>Starts processes until <c>min_idle</c> are alive, in the background (start failures are logged).</summary>
    private void WarmUp()
    {
        var function = Function;
        List<Task<Task>>? warmUps = null;
        lock (_gate)
        {
            while (!_retired && _live < Math.Min(function.MinIdle, function.MaxConcurrency))
            {
                // Tracked under the lock that saw the pool not retired: a disposal that
                // begins now awaits it (and it then starts nothing).
                _live++;
                var stopping = _disposing.Token;
                (warmUps ??= []).Add(_background.Prepare(() => WarmOneAsync(function, stopping)));
            }
        }

        foreach (var warmUp in warmUps ?? [])
        {
            warmUp.RunSynchronously();
        }
    }

    private async Task WarmOneAsync(FunctionDefinition function, CancellationToken stopping)
    {
        HotProcess process;
        try
        {
            stopping.ThrowIfCancellationRequested();
            process = await HotProcess.StartAsync(function, _options, _logger, _time.GetUtcNow(), null, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The pool is being disposed; the start left nothing running.
            FreeSlot();
            return;
        }
        catch (Exception e) when (e is ProcessStartException or FunctionStartException)
        {
            FreeSlot();
            _logger.WarmUpFailed(function.App, function.Name, e.Message);
            return;
        }

        await ReleaseAsync(process, reusable: true).ConfigureAwait(false);
    }
}
