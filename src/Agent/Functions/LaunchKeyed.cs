using System.Collections.Concurrent;

namespace Fnagent.Functions;

/// <summary>What serves the functions of one launch: its definition follows edits that keep the launch.</summary>
public interface IServesLaunch : IAsyncDisposable
{
    FunctionDefinition Function { get; set; }
}

/// <summary>
/// One <typeparamref name="T"/> per function launch (<see cref="FunctionDefinition.LaunchKey"/>),
/// made on first use. When the loaded functions change, settings that keep the launch are
/// applied in place, and what serves a launch no function has any more (the func.yml
/// changed how it starts, or is gone) is disposed in the background; <see cref="DisposeAsync"/>
/// awaits those disposals too. Thread-safe.
/// </summary>
public sealed class LaunchKeyed<T>(Func<FunctionDefinition, T> create) : IAsyncDisposable
    where T : class, IServesLaunch
{
    private readonly ConcurrentDictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Lock _createGate = new();
    private readonly BackgroundWork _retiring = new();

    public T For(FunctionDefinition function)
    {
        if (_items.TryGetValue(function.LaunchKey, out var item))
        {
            return item;
        }

        // Made once: what is made may start processes and timers at once.
        lock (_createGate)
        {
            return _items.GetOrAdd(function.LaunchKey, _ => create(function));
        }
    }

    /// <summary>Follows the functions now loaded (those this set serves); disposes, in the background, what serves none of them.</summary>
    public void Update(IEnumerable<FunctionDefinition> current)
    {
        var byKey = current.ToDictionary(f => f.LaunchKey, StringComparer.Ordinal);
        foreach (var (key, item) in _items)
        {
            if (byKey.TryGetValue(key, out var function))
            {
                item.Function = function;
            }
            else if (_items.TryRemove(key, out var gone))
            {
                _retiring.Track(gone.DisposeAsync().AsTask());
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        var items = _items.Values.ToArray();
        _items.Clear();
        await Task.WhenAll(items.Select(i => i.DisposeAsync().AsTask())).ConfigureAwait(false);

        // Unbounded here: each item bounds its own disposal (a pool: its retires' grace, then a kill).
        await _retiring.DrainAsync(Timeout.InfiniteTimeSpan).ConfigureAwait(false);
    }
}
