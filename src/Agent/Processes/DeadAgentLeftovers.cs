using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Fnagent.Processes;

/// <summary>
/// What an agent that is gone left on the machine: an agent killed with SIGKILL (or one that
/// crashed) never ran its shutdown, so its hot processes, their children, its memory cgroups
/// and its private directories lived on. The next agent takes them before it serves, and
/// only those whose owner (named in them, see <see cref="AgentInstance"/>) is no longer
/// alive: several agents run at once on one machine.
/// </summary>
/// <remarks>
/// Steps:
/// 1. every process in a dead owner's memory cgroup is killed and the group removed;
/// 2. every process whose environment names a dead owner's private directory (its TMPDIR,
///    which every function process gets and its children inherit) is killed, in rounds
///    (one could fork meanwhile): this finds those never in a cgroup (started before the
///    move, or no cgroup could be made);
/// 3. the private directories are removed.
/// A child that both left its cgroup's reach and cleared or replaced its environment
/// (<c>env -i</c>) is beyond this; so is anything of an agent whose names predate this
/// scheme (those are left alone, never guessed at).
/// </remarks>
internal static partial class DeadAgentLeftovers
{
    private const int KillRounds = 5;

    /// <summary>Cleans up (bounded: a few seconds) and logs what was taken. Never throws.</summary>
    public static async Task CleanAsync(ILogger logger)
    {
        try
        {
            // Step 1: the cgroups.
            var groups = await ResourceGroup.RemoveAbandonedAsync().ConfigureAwait(false);

            // Step 2: processes that name a dead owner's private directory.
            var directories = AbandonedDirectories();
            var killed = 0;
            for (var round = 0; round < KillRounds && directories.Count > 0; round++)
            {
                var found = KillNaming(directories);
                killed += found;
                if (found == 0)
                {
                    break;
                }

                await Task.Delay(50).ConfigureAwait(false);
            }

            // Step 3: the directories.
            foreach (var directory in directories)
            {
                PrivateDirectories.Remove(directory);
            }

            if (groups + killed + directories.Count > 0)
            {
                LeftoversTaken(logger, killed, groups, directories.Count);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CleanupFailed(logger, e.Message);
        }
    }

    private static List<string> AbandonedDirectories()
    {
        var found = new List<string>();
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "fnagent-*"))
        {
            if (AgentInstance.OwnerOf(Path.GetFileName(dir)["fnagent-".Length..]) is { } owner && !AgentInstance.IsAlive(owner))
            {
                found.Add(dir);
            }
        }

        return found;
    }

    // SIGKILL to every process whose environment has TMPDIR=<one of the directories>; how many.
    private static int KillNaming(List<string> directories)
    {
        var markers = directories.Select(d => Encoding.UTF8.GetBytes($"\0TMPDIR={d}\0")).ToArray();
        var killed = 0;
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 1 || pid == Environment.ProcessId)
            {
                continue;
            }

            byte[] environment;
            try
            {
                environment = File.ReadAllBytes(Path.Combine(dir, "environ"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // gone, a kernel thread, or not ours to read
            }

            // A variable of its own: at the start of the block, or after the end of the one before.
            if (markers.Any(marker => environment.AsSpan().IndexOf(marker) >= 0 || environment.AsSpan().StartsWith(marker.AsSpan(1))))
            {
                _ = Libc.kill(pid, Libc.SigKill);
                killed++;
            }
        }

        return killed;
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning,
        Message = "took what agents no longer alive left: {Processes} processes killed, {Groups} memory cgroups and {Directories} private directories removed")]
    private static partial void LeftoversTaken(ILogger logger, int processes, int groups, int directories);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "could not clean up after agents no longer alive: {Reason}")]
    private static partial void CleanupFailed(ILogger logger, string reason);
}
