using System.Globalization;
using System.Runtime.InteropServices;

namespace Fnagent.Processes;

/// <summary>
/// Marks, once, every descriptor above 2 that the agent inherited from whoever started it
/// as close-on-exec, so that a process started through <see cref="System.Diagnostics.Process"/> (CliWrap's
/// <see cref="CollectedCommand"/>, which has no closefrom as the agent's own posix_spawn
/// has) gets only its three pipes too. The runtime opens every descriptor of its own
/// close-on-exec; only inherited ones are not. The bug it guards against: an agent started
/// as <c>fnagent serve 9&gt;&gt;operator.log</c> handed fd 9 to every process it started.
/// </summary>
internal static partial class InheritedDescriptors
{
    private const int FSetFd = 2;
    private const int FdCloexec = 1;

    private static readonly Lazy<bool> Marked = new(MarkAll);

    /// <summary>Marks them on the first call; later calls cost nothing.</summary>
    public static void CloseOnExec() => _ = Marked.Value;

    private static bool MarkAll()
    {
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var fd) && fd > 2)
                {
                    // The directory's own descriptor is among them; it closes anyway.
                    _ = fcntl(fd, FSetFd, FdCloexec);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        return true;
    }

    [LibraryImport("libc")]
    private static partial int fcntl(int fd, int command, int argument);
}
