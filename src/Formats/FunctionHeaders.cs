using System.Collections;

namespace Fnagent.Formats;

/// <summary>
/// An ordered, case-insensitive multi-map of HTTP header names to values, as every
/// format carries them. The first spelling of a name is kept (Fn's json format shows
/// header names "exactly as defined in the incoming request").
/// Not thread-safe: one call owns its headers.
/// </summary>
public sealed class FunctionHeaders : IEnumerable<KeyValuePair<string, IReadOnlyList<string>>>
{
    // Created on first use: most responses carry no headers beyond framing, and a hot call
    // should not pay for an empty dictionary.
    private Dictionary<string, Entry>? _entries;

    private sealed record Entry(string Name, List<string> Values);

    public int Count => _entries?.Count ?? 0;

    /// <summary>Appends a value, keeping values already present under the name.</summary>
    public void Add(string name, string value)
    {
        var entries = _entries ??= new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase);
        if (entries.TryGetValue(name, out var entry))
        {
            entry.Values.Add(value);
        }
        else
        {
            entries[name] = new Entry(name, [value]);
        }
    }

    /// <summary>Replaces every value under the name.</summary>
    public void Set(string name, string value) => (_entries ??= new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase))[name] = new Entry(name, [value]);

    public bool Remove(string name) => _entries?.Remove(name) ?? false;

    public bool Contains(string name) => _entries?.ContainsKey(name) ?? false;

    public bool TryGetValues(string name, out IReadOnlyList<string> values)
    {
        if (_entries is not null && _entries.TryGetValue(name, out var entry))
        {
            values = entry.Values;
            return true;
        }

        values = [];
        return false;
    }

    /// <summary>The first value under the name, or null.</summary>
    public string? Get(string name) => _entries is not null && _entries.TryGetValue(name, out var entry) ? entry.Values[0] : null;

    public IEnumerator<KeyValuePair<string, IReadOnlyList<string>>> GetEnumerator()
    {
        if (_entries is null)
        {
            yield break;
        }

        foreach (var entry in _entries.Values)
        {
            yield return new KeyValuePair<string, IReadOnlyList<string>>(entry.Name, entry.Values);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
