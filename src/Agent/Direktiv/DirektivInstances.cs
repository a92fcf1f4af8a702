using Fnagent.Functions;
using Fnagent.Invocation;
using Microsoft.Extensions.Logging;

namespace Fnagent.Direktiv;

/// <summary>
/// One <see cref="DirektivSlot"/> per Direktiv function launch
/// (<see cref="FunctionDefinition.LaunchKey"/>). When a func.yml changes how its instance
/// starts, or disappears, the old instance is retired. Thread-safe.
/// </summary>
public sealed class DirektivInstances : IAsyncDisposable
{
    private readonly LaunchKeyed<DirektivSlot> _slots;
    private readonly IFunctionRegistry _registry;
    private readonly DirektivSandbox _sandbox;
    private readonly DirektivLogServer _logServer;
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DirektivInstances> _logger;

    public DirektivInstances(IFunctionRegistry registry, DirektivSandbox sandbox, DirektivLogServer logServer, AgentOptions options,
        TimeProvider time, ILogger<DirektivInstances> logger)
    {
        _registry = registry;
        _sandbox = sandbox;
        _logServer = logServer;
        _options = options;
        _time = time;
        _logger = logger;
        _slots = new(function => new DirektivSlot(function, StartAsync, _time, _logger));
        registry.Changed += OnFunctionsChanged;
        OnFunctionsChanged();
    }

    public DirektivSlot For(FunctionDefinition function) => _slots.For(function);

    public async ValueTask DisposeAsync()
    {
        _registry.Changed -= OnFunctionsChanged;
        await _slots.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<DirektivInstance> StartAsync(FunctionDefinition function, Call? starter)
    {
        await _logServer.EnsureStartedAsync(CancellationToken.None).ConfigureAwait(false);
        return await DirektivInstance.StartAsync(function, _sandbox, _logServer.SocketPath, _options, _time, _logger, starter).ConfigureAwait(false);
    }

    private void OnFunctionsChanged()
    {
        var current = _registry.All.Where(f => FunctionFormats.Of(f.Format).Runner == FormatRunner.Direktiv).ToList();
        _slots.Update(current);

        // min_idle: the instance is started now, not on the first call, and kept.
        foreach (var function in current.Where(f => f.MinIdle > 0 && !DirektivRunner.IsCommandRunner(f)))
        {
            For(function).WarmUp();
        }
    }
}
