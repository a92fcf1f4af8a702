using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<string, HotPool> _pools = new(StringComparer.Ordinal);
    private readonly IFunctionRegistry _registry;
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<HotPools> _logger;
    private readonly Lock _createGate = new();

    public HotPools(IFunctionRegistry registry, AgentOptions options, TimeProvider time, ILogger<HotPools> logger)
    {
        _registry = registry;
        _options = options;
        _time = time;
        _logger = logger;
        registry.Changed += OnFunctionsChanged;
        OnFunctionsChanged();
    }

    public HotPool For(FunctionDefinition function)
    {
        var key = function.LaunchKey;
        if (_pools.TryGetValue(key, out var pool))
        {
            return pool;
        }

        lock (_createGate)
        {
            return _pools.GetOrAdd(key, _ => new HotPool(function, _options, _time, _logger));
        }
    }

    /// <summary>Every pool now alive (for shutdown and metrics).</summary>
    public IReadOnlyCollection<HotPool> All => [.. _pools.Values];

    public async ValueTask DisposeAsync()
    {
        _registry.Changed -= OnFunctionsChanged;
        var pools = _pools.Values.ToArray();
        _pools.Clear();
        await Task.WhenAll(pools.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    private void OnFunctionsChanged()
    {
        // Direktiv functions are servers with pools of their own (Fnagent.Direktiv.DirektivInstances).
        var current = _registry.All.Where(f => f.Format is not (FunctionFormat.Default or FunctionFormat.Direktiv)).ToDictionary(f => f.LaunchKey, StringComparer.Ordinal);
        foreach (var (key, pool) in _pools)
        {
            if (current.TryGetValue(key, out var function))
            {
                pool.Function = function;
            }
            else if (_pools.TryRemove(key, out var gone))
            {
                _ = gone.DisposeAsync().AsTask();
            }
        }

        // Functions that keep processes warm get their pool at once, not on the first call.
        foreach (var function in current.Values.Where(f => f.MinIdle > 0))
        {
            For(function);
        }
    }
}
