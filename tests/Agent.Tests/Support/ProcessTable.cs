namespace Fnagent.Agent.Tests.Support;

/// <summary>Looks at the machine's real process table (/proc), for leftover checks.</summary>
public static class ProcessTable
{
    /// <summary>
    /// Pids of live (non-zombie) processes whose command line contains <paramref name="marker"/>.
    /// A process still in its exec has an empty command line here (posix_spawn returns before
    /// the kernel sets the new one), so a check that a process is there must poll. The
    /// sandbox's own two processes (bubblewrap outside and as the namespace's pid 1) carry the
    /// function's command line too: they count only with <paramref name="withSandbox"/>.
    /// </summary>
    public static IReadOnlyList<int> Matching(string marker, bool withSandbox = false)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                var sandbox = cmdline.Split(' ')[0].EndsWith("bwrap", StringComparison.Ordinal);
                if (cmdline.Contains(marker, StringComparison.Ordinal) && !IsZombie(pid) && (withSandbox || !sandbox))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
        }

        return found;
    }

    public static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/stat") && !IsZombie(pid);

    /// <summary>Zombies of any process whose parent is this test process.</summary>
    public static IReadOnlyList<int> OurZombies()
    {
        var self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var zombies = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } stat && stat.State == 'Z' && stat.Parent == self)
            {
                zombies.Add(pid);
            }
        }

        return zombies;
    }

    /// <summary>Polls until <paramref name="condition"/> holds, at most <paramref name="within"/>.</summary>
    public static Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan within) =>
        EventuallyAsync(() => Task.FromResult(condition()), within);

    /// <summary>
    /// Polls until <paramref name="condition"/> holds, at most <paramref name="within"/>. A
    /// condition that calls the agent must await it: a synchronous wait on a socket could
    /// hold the very epoll thread its answer needs (the agent runs with inline completions).
    /// </summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return await condition();
    }

    private static bool IsZombie(int pid) => Stat(pid)?.State == 'Z';

    private static (char State, string Parent)? Stat(int pid)
    {
        try
        {
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses; split after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], fields[1]);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
