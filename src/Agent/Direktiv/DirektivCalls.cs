using System.Collections.Concurrent;
using Fnagent.Invocation;

namespace Fnagent.Direktiv;

/// <summary>
/// The Direktiv calls in flight, by action id (our call id), so that the log endpoint can
/// put a function's log line into the right call's log. Thread-safe.
/// </summary>
public sealed class DirektivCalls
{
    private readonly ConcurrentDictionary<string, Call> _calls = new(StringComparer.Ordinal);

    /// <summary>Makes <paramref name="call"/> known to the log endpoint until the returned handle is disposed.</summary>
    public IDisposable Register(Call call)
    {
        _calls[call.Request.CallId] = call;
        return new Registration(this, call.Request.CallId);
    }

    public bool TryGet(string actionId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Call? call) =>
        _calls.TryGetValue(actionId, out call);

    private sealed class Registration(DirektivCalls owner, string actionId) : IDisposable
    {
        public void Dispose() => owner._calls.TryRemove(actionId, out _);
    }
}
