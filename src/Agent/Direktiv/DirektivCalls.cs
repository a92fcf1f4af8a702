using System.Collections.Concurrent;
using Fnagent.Functions;
using Fnagent.Invocation;
using Fnagent.State;
using Microsoft.Extensions.Logging;

namespace Fnagent.Direktiv;

/// <summary>
/// The Direktiv calls the log endpoint can attribute a line to, by action id (our call
/// id): those in flight, and those that ended less than <see cref="DirektivOptions.LateLogGrace"/>
/// ago, at most <see cref="DirektivOptions.MaxLateLogCalls"/> of them (docs/protocols.md §8).
/// Direktiv's own Node.js example posts its log lines without waiting for them; they
/// arrived just after its answer and were answered 404 and lost. Thread-safe.
/// </summary>
public sealed class DirektivCalls(ICallStore store, AgentOptions options, TimeProvider time, ILogger<DirektivCalls> logger)
{
    private readonly ConcurrentDictionary<string, Call> _running = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Ended> _ended = new(StringComparer.Ordinal);

    // Oldest first; with one grace for all, also the order in which they expire.
    private readonly Queue<string> _endedOrder = new();

    /// <summary>Makes <paramref name="call"/> known to the log endpoint until the returned handle is disposed, and for the grace after.</summary>
    public IDisposable Register(Call call)
    {
        _running[call.Request.CallId] = call;
        return new Registration(this, call);
    }

    /// <summary>Where a line for <paramref name="actionId"/> goes, if anywhere.</summary>
    public bool TryGet(string actionId, out Target target)
    {
        if (_running.TryGetValue(actionId, out var call))
        {
            target = new Target(call.Log, call.Function, call.Record.Pid ?? 0);
            return true;
        }

        lock (_gate)
        {
            if (_ended.TryGetValue(actionId, out var ended) && time.GetTimestamp() < ended.Until)
            {
                target = ended.Target;
                return true;
            }
        }

        target = default;
        return false;
    }

    /// <summary>
    /// Appends <paramref name="lines"/> to the call's log (and the agent's). Always as a late
    /// line may be: the call can end while its log request is being read.
    /// </summary>
    public void Append(Target target, IReadOnlyList<string> lines)
    {
        store.AppendLate(target.Log, lines);
        foreach (var line in lines)
        {
            logger.FunctionOutput(target.Function.App, target.Function.Name, target.Log.CallId, target.Pid, line);
        }
    }

    private void End(Call call)
    {
        var id = call.Request.CallId;
        var grace = options.Direktiv.LateLogGrace;
        var limit = options.Direktiv.MaxLateLogCalls;
        if (grace > TimeSpan.Zero && limit > 0)
        {
            var until = time.GetTimestamp() + (long)(grace.TotalSeconds * time.TimestampFrequency);
            lock (_gate)
            {
                // Remembered before it leaves the running calls, so no line finds it in neither.
                _ended[id] = new Ended(new Target(call.Log, call.Function, call.Record.Pid ?? 0), until);
                _endedOrder.Enqueue(id);
                var now = time.GetTimestamp();
                while (_endedOrder.TryPeek(out var oldest)
                    && (_endedOrder.Count > limit || !_ended.TryGetValue(oldest, out var first) || first.Until <= now))
                {
                    _ended.Remove(_endedOrder.Dequeue());
                }
            }
        }

        _running.TryRemove(id, out _);
    }

    /// <summary>What a line needs of the call it is for; it holds nothing of the request, so an ended call keeps little.</summary>
    public readonly record struct Target(CallLog Log, FunctionDefinition Function, int Pid);

    private readonly record struct Ended(Target Target, long Until);

    private sealed class Registration(DirektivCalls owner, Call call) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.End(call);
            }
        }
    }
}
