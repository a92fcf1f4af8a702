namespace Fnagent;

/// <summary>
/// Work its owner started and does not await (a process retired after a call, a warm-up, a
/// pool retired on reload) that the owner's disposal must wait for: a process such work
/// started, or is stopping, must not outlive the agent. Thread-safe; never throws for the
/// work it tracks (each piece handles its own failures).
/// </summary>
public sealed class BackgroundWork
{
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _running = [];

    /// <summary>Tracks <paramref name="work"/>, already running, until it ends.</summary>
    public void Track(Task work)
    {
        if (work.IsCompleted)
        {
            return;
        }

        lock (_gate)
        {
            _running.Add(work);
        }

        _ = ForgetWhenDoneAsync(work);
    }

    /// <summary>
    /// Tracks work that has not started yet and returns it unstarted; the caller starts it
    /// with <see cref="Task.RunSynchronously()"/>, outside its locks. For work decided
    /// under a lock that a disposal also takes: tracked before that lock is released, a
    /// drain that begins after it cannot miss the work.
    /// </summary>
    public Task<Task> Prepare(Func<Task> work)
    {
        var start = new Task<Task>(work);
        Track(start.Unwrap());
        return start;
    }

    /// <summary>
    /// Waits until all tracked work has ended, work tracked meanwhile included, or until
    /// <paramref name="bound"/> passed. True when all ended.
    /// </summary>
    public async Task<bool> DrainAsync(TimeSpan bound)
    {
        using var over = new CancellationTokenSource(bound);
        while (Running() is { Length: > 0 } running)
        {
            if (over.IsCancellationRequested)
            {
                return false;
            }

            await Task.WhenAll(running).WaitAsync(over.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return true;
    }

    private Task[] Running()
    {
        lock (_gate)
        {
            return [.. _running.Where(t => !t.IsCompleted)];
        }
    }

    private async Task ForgetWhenDoneAsync(Task work)
    {
        await work.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_gate)
        {
            _running.Remove(work);
        }
    }
}
