using System.Collections.Concurrent;

namespace Fnagent.Processes;

/// <summary>
/// The private directories of function processes (each one's TMPDIR and HOME,
/// docs/protocols.md §1). Making one and removing it cost a mkdir and an rmdir in the
/// temp folder's file system, a large share of the agent's CPU per <c>default</c> call
/// (docs/performance.md). So a
/// directory given back empty, still a plain directory with mode 0700, is kept for the
/// next process of the same function; any other is removed. Only directories of calls
/// that left nothing running come back (the caller knows; see FunctionProcess), and a
/// directory never passes from one function to another. Thread-safe.
/// </summary>
internal static class PrivateDirectories
{
    private const int KeptPerFunction = 64;
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static readonly ConcurrentDictionary<string, ConcurrentStack<string>> Kept = new();

    // Named after the agent (see AgentInstance), so the next agent knows whose it was.
    private static readonly string Prefix = $"fnagent-{AgentInstance.Name}-";

    // Kept directories go with the agent however it exits (a test host disposes agents
    // without the serve command's shutdown).
    static PrivateDirectories() => AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveKept();

    /// <summary>
    /// An empty directory only the function's user (<paramref name="user"/>, else the
    /// agent's) can enter, for a process of <paramref name="function"/>. A kept one is that
    /// user's already: a function never changes user within one agent.
    /// </summary>
    public static string Take(string function, FunctionUser? user = null)
    {
        if (Kept.TryGetValue(function, out var kept) && kept.TryPop(out var directory))
        {
            return directory;
        }

        directory = Directory.CreateTempSubdirectory(Prefix).FullName;
        if (user is not null && !user.Own(directory))
        {
            Remove(directory);
            throw new ProcessStartException($"cannot give the private directory to user {user}");
        }

        return directory;
    }

    /// <summary>Gives a directory back once every process that could reach it is gone: kept for reuse or removed.</summary>
    public static void Return(string function, string directory)
    {
        var kept = Kept.GetOrAdd(function, static _ => new ConcurrentStack<string>());
        if (kept.Count < KeptPerFunction && IsEmptyAndPrivate(directory))
        {
            kept.Push(directory);
            return;
        }

        Remove(directory);
    }

    /// <summary>Removes a directory and whatever is in it; never throws.</summary>
    public static void Remove(string directory)
    {
        try
        {
            // Most functions leave their folder empty: one rmdir, no listing of it.
            Directory.Delete(directory, recursive: false);
        }
        catch (IOException)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Never fail a disposal over a leftover.
            }
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Removes every kept directory (agent shutdown).</summary>
    public static void RemoveKept()
    {
        foreach (var kept in Kept.Values)
        {
            while (kept.TryPop(out var directory))
            {
                Remove(directory);
            }
        }
    }

    private static bool IsEmptyAndPrivate(string directory)
    {
        try
        {
            // A function may have replaced its directory (by a symlink, say) or opened it up.
            var info = new DirectoryInfo(directory);
            if (!info.Exists || info.Attributes.HasFlag(FileAttributes.ReparsePoint) || info.UnixFileMode != OwnerOnly)
            {
                return false;
            }

            using var entries = Directory.EnumerateFileSystemEntries(directory).GetEnumerator();
            return !entries.MoveNext();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
