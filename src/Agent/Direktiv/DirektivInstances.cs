using System.Collections.Concurrent;
using Fnagent.Functions;
using Microsoft.Extensions.Logging;

namespace Fnagent.Direktiv;

/// <summary>
/// One <see cref="DirektivSlot"/> per Direktiv function launch
/// (<see cref="FunctionDefinition.LaunchKey"/>). When a func.yml changes how its instance
/// starts, or disappears, the old instance is retired. Thread-safe.
/// </summary>
public sealed class DirektivInstances : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, DirektivSlot> _slots = new(StringComparer.Ordinal);
    private readonly IFunctionRegistry _registry;
    private readonly DirektivSandbox _sandbox;
    private readonly DirektivLogServer _logServer;
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DirektivInstances> _logger;
    private readonly Lock _createGate = new();

    public DirektivInstances(IFunctionRegistry registry, DirektivSandbox sandbox, DirektivLogServer logServer, AgentOptions options,
        TimeProvider time, ILogger<DirektivInstances> logger)
    {
        _registry = registry;
        _sandbox = sandbox;
        _logServer = logServer;
        _options = options;
        _time = time;
        _logger = logger;
        registry.Changed += OnFunctionsChanged;
        OnFunctionsChanged();
    }

    public DirektivSlot For(FunctionDefinition function)
    {
        if (_slots.TryGetValue(function.LaunchKey, out var slot))
        {
            return slot;
        }

        lock (_createGate)
        {
            return _slots.GetOrAdd(function.LaunchKey, _ => new DirektivSlot(function, StartAsync, _time, _logger));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _registry.Changed -= OnFunctionsChanged;
        var slots = _slots.Values.ToArray();
        _slots.Clear();
        await Task.WhenAll(slots.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    private async Task<DirektivInstance> StartAsync(FunctionDefinition function)
    {
        await _logServer.EnsureStartedAsync(CancellationToken.None).ConfigureAwait(false);
        return await DirektivInstance.StartAsync(function, _sandbox, _logServer.SocketPath, _options, _time, _logger).ConfigureAwait(false);
    }

    private void OnFunctionsChanged()
    {
        var current = _registry.All.Where(f => f.Format == FunctionFormat.Direktiv).ToDictionary(f => f.LaunchKey, StringComparer.Ordinal);
        foreach (var (key, slot) in _slots)
        {
            if (current.TryGetValue(key, out var function))
            {
                slot.Function = function;
            }
            else if (_slots.TryRemove(key, out var gone))
            {
                _ = gone.DisposeAsync().AsTask();
            }
        }

        // min_idle: the instance is started now, not on the first call, and kept.
        foreach (var function in current.Values.Where(f => f.MinIdle > 0 && !DirektivRunner.IsCommandRunner(f)))
        {
            For(function).WarmUp();
        }
    }
}
