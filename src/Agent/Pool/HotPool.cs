using Fnagent.Functions;
using Fnagent.Processes;
using Microsoft.Extensions.Logging;

namespace Fnagent.Pool;

/// <summary>
/// The hot processes of one function. Each process serves one call at a time. A caller
/// gets a free process, or starts one while fewer than <c>max_concurrency</c> live, or
/// waits in line (bounded) for one to be released. Idle processes beyond
/// <c>min_idle</c> are retired after <c>idle_timeout</c>; a process that died is never
/// handed out. Thread-safe: every count and list changes under one lock. What it does in
/// the background (warm-ups, retires, and what its callers hand it with <see cref="Track"/>)
/// is awaited by <see cref="DisposeAsync"/>, bounded.
/// </summary>
public sealed partial class HotPool : IServesLaunch
{
    private readonly Lock _gate = new();
    private readonly Stack<HotProcess> _idle = new();
    private readonly LinkedList<TaskCompletionSource<HotProcess?>> _waiters = new();
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _sweeper;
    private readonly BackgroundWork _background = new();
    private readonly CancellationTokenSource _disposing = new();
    private FunctionDefinition _function;
    private int _live;
    private bool _retired;
    private bool _writesLate;

    public HotPool(FunctionDefinition function, AgentOptions options, TimeProvider time, ILogger logger)
    {
        _function = function;
        _options = options;
        _time = time;
        _logger = logger;
        var period = TimeSpan.FromTicks(Math.Clamp(function.IdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(20).Ticks, TimeSpan.FromSeconds(5).Ticks));
        _sweeper = time.CreateTimer(_ => SweepIdle(), null, period, period);
        WarmUp();
    }

    /// <summary>The definition in force: settings that do not change the launch (concurrency, idle) follow edits live.</summary>
    public FunctionDefinition Function
    {
        get => Volatile.Read(ref _function);
        set => Volatile.Write(ref _function, value);
    }

    /// <summary>
    /// Set once a process of this pool wrote bytes outside an answer: from then on, each
    /// process is held back after every answer until it proved quiet (see
    /// <see cref="LimitOptions.QuietAfterAnswer"/>).
    /// </summary>
    public bool WritesLate
    {
        get => Volatile.Read(ref _writesLate);
        set => Volatile.Write(ref _writesLate, value);
    }

    /// <summary>Processes alive or starting, busy or idle.</summary>
    public int LiveCount
    {
        get
        {
            lock (_gate)
            {
                return _live;
            }
        }
    }

    public int IdleCount
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>
    /// A process that is the caller's alone until <see cref="ReleaseAsync"/>. Throws
    /// <see cref="NoCapacityException"/> after <paramref name="queueWait"/>,
    /// <see cref="PoolRetiredException"/> if the pool retires meanwhile, and
    /// <see cref="ProcessStartException"/> or <see cref="FunctionStartException"/>
    /// when a needed process cannot start; a process started for the caller logs into
    /// <paramref name="starter"/> until it is ready.
    /// </summary>
    public async ValueTask<HotProcess> AcquireAsync(TimeSpan queueWait, ICallOutput? starter, CancellationToken cancellationToken)
    {
        TaskCompletionSource<HotProcess?>? waiter = null;
        LinkedListNode<TaskCompletionSource<HotProcess?>>? node = null;
        List<HotProcess>? dead = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_retired, this);
            while (_idle.TryPop(out var idle))
            {
                if (!idle.HasExited)
                {
                    return idle;
                }

                // Died while idle: replaced now, reaped below.
                _live--;
                (dead ??= []).Add(idle);
            }

            if (_live < Function.MaxConcurrency)
            {
                _live++;
            }
            else
            {
                waiter = new TaskCompletionSource<HotProcess?>(TaskCreationOptions.RunContinuationsAsynchronously);
                node = _waiters.AddLast(waiter);
            }
        }

        foreach (var process in dead ?? [])
        {
            _background.Track(process.DisposeAsync().AsTask());
        }

        if (waiter is null)
        {
            return await StartCountedAsync(starter, cancellationToken).ConfigureAwait(false);
        }

        HotProcess? handed;
        try
        {
            handed = await waiter.Task.WaitAsync(queueWait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            if (!LeaveLine(node!))
            {
                // Handed something just as the wait ended: give it back rather than leak it.
                await GiveBackAsync(waiter.Task.Result).ConfigureAwait(false);
            }

            throw e is TimeoutException ? new NoCapacityException(Function.MaxConcurrency, queueWait) : e;
        }

        // Null: a slot was freed and counted for us; start our own process.
        return handed ?? await StartCountedAsync(starter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives a process back after a call. <paramref name="reusable"/> false (any doubt
    /// about its state) discards it: killed and reaped before this returns.
    /// </summary>
    public async ValueTask ReleaseAsync(HotProcess process, bool reusable)
    {
        if (reusable && !process.HasExited)
        {
            lock (_gate)
            {
                if (!_retired)
                {
                    process.LastUsed = _time.GetUtcNow();
                    if (!HandToWaiter(process))
                    {
                        _idle.Push(process);
                    }

                    return;
                }
            }
        }

        FreeSlot();
        await process.DisposeAsync().ConfigureAwait(false);
        WarmUp();
    }

    /// <summary>Retires a process gracefully after a call that asked for it (http <c>Connection: close</c>).</summary>
    public async ValueTask RetireAsync(HotProcess process)
    {
        FreeSlot();
        await process.RetireAsync(_options.Limits.ShutdownGrace).ConfigureAwait(false);
        WarmUp();
    }

    /// <summary>
    /// Keeps track of <paramref name="work"/> about one of this pool's processes that its
    /// caller does not await (a retire, a release held back until the process proved
    /// quiet), so that <see cref="DisposeAsync"/> waits for it. The work must not throw.
    /// </summary>
    public void Track(Task work) => _background.Track(work);

    /// <summary>
    /// Retires the pool, in steps:
    /// 1. waiters are refused, and nothing new starts;
    /// 2. warm-ups in flight stop waiting for their process, which they then kill;
    /// 3. idle processes get end of input, a grace period, then a kill;
    /// 4. what the pool still does in the background (warm-ups stopping, retires of idle or
    ///    finished processes, releases held back, see <see cref="Track"/>) is awaited,
    ///    bounded by twice the shutdown grace (a retire's grace, then its kill and reap).
    /// Busy processes are discarded when their call releases them.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        // Step 1: waiters are refused, and nothing new starts.
        HotProcess[] idle;
        lock (_gate)
        {
            if (_retired)
            {
                return; // Disposed once already (a reload and the agent's stop may both retire it).
            }

            _retired = true;
            idle = [.. _idle];
            _idle.Clear();
            _live -= idle.Length;
            foreach (var waiter in _waiters)
            {
                waiter.TrySetException(new PoolRetiredException());
            }

            _waiters.Clear();
        }

        await _sweeper.DisposeAsync().ConfigureAwait(false);

        // Step 2: warm-ups in flight stop waiting for their process.
        await _disposing.CancelAsync().ConfigureAwait(false);

        // Step 3: idle processes are retired.
        var grace = _options.Limits.ShutdownGrace;
        await Task.WhenAll(idle.Select(p => p.RetireAsync(grace).AsTask())).ConfigureAwait(false);

        // Step 4: what the pool still does in the background ends before the agent does.
        await _background.DrainAsync(grace * 2).ConfigureAwait(false);
        _disposing.Dispose();
    }
}
