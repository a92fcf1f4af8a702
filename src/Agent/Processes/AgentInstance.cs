using System.Globalization;

namespace Fnagent.Processes;

/// <summary>
/// Who this agent is on the machine: its pid and its start time (in clock ticks since
/// boot, /proc/&lt;pid&gt;/stat field 22), written <c>&lt;pid&gt;.&lt;start&gt;</c>. What the
/// agent leaves on the machine (memory cgroups, private directories) is named after it,
/// so the next agent can tell what belongs to one that is gone: a pid alone is reused,
/// the pair is not. Several agents run at once on one machine; each only ever takes what
/// belongs to an owner no longer alive.
/// </summary>
internal static class AgentInstance
{
    /// <summary>This agent's name, <c>&lt;pid&gt;.&lt;start&gt;</c>.</summary>
    public static readonly string Name = $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{StartTime(Environment.ProcessId) ?? 0}";

    /// <summary>
    /// The owner named at the start of <paramref name="name"/> (<c>&lt;pid&gt;.&lt;start&gt;-...</c>),
    /// or null when the name is not an agent's. Names of another form (an older agent's) are never an owner.
    /// </summary>
    public static string? OwnerOf(string name)
    {
        var dash = name.IndexOf('-');
        var owner = dash > 0 ? name[..dash] : name;
        var dot = owner.IndexOf('.');
        return dot > 0 && IsDigits(owner.AsSpan(0, dot)) && IsDigits(owner.AsSpan(dot + 1)) ? owner : null;
    }

    /// <summary>True when the agent named <paramref name="owner"/> still runs (this one included); when unsure, true.</summary>
    public static bool IsAlive(string owner)
    {
        var dot = owner.IndexOf('.');
        if (!int.TryParse(owner.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ||
            !ulong.TryParse(owner.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return true;
        }

        if (owner == Name)
        {
            return true;
        }

        if (!Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}"))
        {
            return false;
        }

        // The pid lives: the same agent only if it started at the same tick (else the pid was reused).
        return StartTime(pid) is not { } now || now == start;
    }

    // Field 22: when the process started, in clock ticks since boot.
    private static ulong? StartTime(int pid) => ProcStat.Field(pid, 22);

    private static bool IsDigits(ReadOnlySpan<char> text) => !text.IsEmpty && !text.ContainsAnyExceptInRange('0', '9');
}
