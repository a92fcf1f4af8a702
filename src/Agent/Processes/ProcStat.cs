using System.Globalization;

namespace Fnagent.Processes;

/// <summary>Fields of <c>/proc/&lt;pid&gt;/stat</c> (proc(5)), read once per call. Thread-safe.</summary>
internal static class ProcStat
{
    /// <summary>
    /// Field <paramref name="number"/> (1-based, as proc(5) numbers them; 3 or more) of the
    /// process, or null when it is gone or the field is missing.
    /// </summary>
    public static ulong? Field(int pid, int number)
    {
        try
        {
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses; field 3 starts after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return number >= 3 && number - 3 < fields.Length
                && ulong.TryParse(fields[number - 3], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
