using Fnagent.Functions;
using Microsoft.Extensions.Logging;

namespace Fnagent.Pool;

/// <summary>
/// One <see cref="HotPool"/> per function launch (<see cref="FunctionDefinition.LaunchKey"/>).
/// When a func.yml changes how its processes start, or disappears, its pool is retired
/// gracefully; settings that do not affect the launch are updated in place.
/// </summary>
public sealed class HotPools : IAsyncDisposable
{
    private readonly LaunchKeyed<HotPool> _pools;
    private readonly IFunctionRegistry _registry;
    private bool _disposed;

    public HotPools(IFunctionRegistry registry, AgentOptions options, TimeProvider time, ILogger<HotPools> logger)
    {
        _pools = new(function => new HotPool(function, options, time, logger));
        _registry = registry;
        registry.Changed += OnFunctionsChanged;
        OnFunctionsChanged();
    }

    public HotPool For(FunctionDefinition function) => _pools.For(function);

    /// <summary>
    /// The pool that now serves what <paramref name="retired"/> served: the pool of the same
    /// func.yml's current definition, if it is still a function of the same format; null when
    /// the function is gone, changed format, or the agent is stopping. A call that waited for
    /// (or was about to take) a process of a pool a reload retired moves there: a reload
    /// must never fail a call (it used to get a 503 "being reloaded").
    /// </summary>
    public HotPool? Successor(HotPool retired)
    {
        var old = retired.Function;
        if (Volatile.Read(ref _disposed))
        {
            return null;
        }

        var current = _registry.All.FirstOrDefault(f => f.SourceFile == old.SourceFile && f.Format == old.Format);
        return current is null ? null : For(current);
    }

    /// <summary>
    /// At the agent's stop: retires every pool, and waits for the pools a reload retired
    /// and for what each pool still does in the background (see <see cref="HotPool.DisposeAsync"/>).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _disposed, true);
        _registry.Changed -= OnFunctionsChanged;
        await _pools.DisposeAsync().ConfigureAwait(false);
    }

    private void OnFunctionsChanged()
    {
        // Only the hot runner's formats: Direktiv functions are servers with pools of their own
        // (Fnagent.Direktiv.DirektivInstances).
        var current = _registry.All.Where(f => FunctionFormats.Of(f.Format).Runner == FormatRunner.Hot).ToList();
        _pools.Update(current);

        // Functions that keep processes warm get their pool at once, not on the first call.
        foreach (var function in current.Where(f => f.MinIdle > 0))
        {
            For(function);
        }
    }
}
