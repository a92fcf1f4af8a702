using System.Text;

namespace Fnagent.Processes;

/// <summary>
/// How much of a function's output the agent's own log copies: at most the per-call log
/// cap (<see cref="LimitOptions.MaxLogBytesPerCall"/>) for one call, or for one spell
/// between calls of a hot process; past it, one line says the rest is not copied. A stderr
/// flood used to go to the agent's log whole, larger than the flood itself
/// (docs/performance.md). A mutable struct kept in a field: thread-safe
/// through that field only.
/// </summary>
internal struct AgentLogAllowance
{
    private long _used;

    public enum Verdict
    {
        Copy,

        /// <summary>The first line over: say once that the rest is not copied.</summary>
        Exhausted,

        Drop,
    }

    /// <summary>Whether <paramref name="line"/> (a line plus its newline) still fits in <paramref name="maxBytes"/>.</summary>
    public Verdict Take(string line, long maxBytes)
    {
        // Past the cap a line is not even measured.
        if (Volatile.Read(ref _used) > maxBytes)
        {
            return Verdict.Drop;
        }

        var bytes = Encoding.UTF8.GetByteCount(line) + 1;
        var used = Interlocked.Add(ref _used, bytes);
        return used <= maxBytes ? Verdict.Copy : used - bytes <= maxBytes ? Verdict.Exhausted : Verdict.Drop;
    }

    /// <summary>Starts a new allowance (a hot process's next spell between calls).</summary>
    public void Reset()
    {
        if (Volatile.Read(ref _used) != 0)
        {
            Volatile.Write(ref _used, 0);
        }
    }
}
