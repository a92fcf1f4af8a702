using Fnagent.Functions;

namespace Fnagent.Pool;

/// <summary>
/// One <see cref="ColdLimiter"/> per <c>default</c>-format function launch
/// (<see cref="FunctionDefinition.LaunchKey"/>), made on its first call; edits that keep
/// the launch (<c>max_concurrency</c> among them) apply to it in place. Thread-safe.
/// </summary>
public sealed class ColdLimiters : IAsyncDisposable
{
    private readonly LaunchKeyed<ColdLimiter> _limiters;
    private readonly IFunctionRegistry _registry;

    public ColdLimiters(IFunctionRegistry registry, TimeProvider time)
    {
        _limiters = new(function => new ColdLimiter(function, time));
        _registry = registry;
        registry.Changed += OnFunctionsChanged;
    }

    public ColdLimiter For(FunctionDefinition function) => _limiters.For(function);

    public async ValueTask DisposeAsync()
    {
        _registry.Changed -= OnFunctionsChanged;
        await _limiters.DisposeAsync().ConfigureAwait(false);
    }

    private void OnFunctionsChanged() => _limiters.Update(_registry.All.Where(f => FunctionFormats.Of(f.Format).Runner == FormatRunner.Cold));
}
