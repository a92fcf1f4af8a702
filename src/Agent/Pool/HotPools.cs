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

    public HotPools(IFunctionRegistry registry, AgentOptions options, TimeProvider time, ILogger<HotPools> logger)
    {
        _pools = new(function => new HotPool(function, options, time, logger));
        _registry = registry;
        registry.Changed += OnFunctionsChanged;
        OnFunctionsChanged();
    }

    public HotPool For(FunctionDefinition function) => _pools.For(function);

    public async ValueTask DisposeAsync()
    {
        _registry.Changed -= OnFunctionsChanged;
        await _pools.DisposeAsync().ConfigureAwait(false);
    }

    private void OnFunctionsChanged()
    {
        // Direktiv functions are servers with pools of their own (Fnagent.Direktiv.DirektivInstances).
        var current = _registry.All.Where(f => f.Format is not (FunctionFormat.Default or FunctionFormat.Direktiv)).ToList();
        _pools.Update(current);

        // Functions that keep processes warm get their pool at once, not on the first call.
        foreach (var function in current.Where(f => f.MinIdle > 0))
        {
            For(function);
        }
    }
}
