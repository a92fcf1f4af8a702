using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Fnagent.Processes;

/// <summary>
/// The unprivileged user a root agent runs its functions as (<c>FNAGENT_RunAs</c>, default
/// <c>nobody</c>), and how a process gets there: posix_spawn cannot change the uid, so the
/// child execs <c>setpriv --reuid=U --regid=G --clear-groups --</c> first, which then execs
/// the function (one exec more per process start, only when the agent is root). A function
/// folder the user cannot reach (a clone in <c>/root</c>, mode 0700) is bound in by
/// bubblewrap: a private mount namespace with an empty tmpfs over the first folder the user
/// cannot enter and the function's folder bound back at its own path, so the function sees
/// its folder where it is and nothing else of the hidden tree.
/// </summary>
/// <remarks>
/// The bug it guards against: the agent commonly runs as root (a container, CI), and every
/// function, and whatever a caller could make it do, ran as root too.
/// Builds are not run through here: they are the operator's deployment step (they write
/// <c>node_modules</c> into the folder) and run as the agent's user, as by hand.
/// No <c>--pdeathsig</c> of setpriv's: the sandbox's <c>--die-with-parent</c> is the one
/// parent-death signal, set by bubblewrap for a process spawned from a thread that lives as
/// long as the agent (<see cref="SpawnThreads"/>).
/// Thread-safe: immutable but for a cache of reachability per folder, refreshed by every
/// load-time check (<see cref="Problem"/>).
/// </remarks>
public sealed unsafe partial class FunctionUser
{
    private static readonly string[] Folders = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

    private readonly ConcurrentDictionary<string, string?> _hiddenBy = new(StringComparer.Ordinal);
    private readonly string[] _setpriv;

    private FunctionUser(string name, int uid, int gid, string setpriv, string? bwrap)
    {
        Name = name;
        Uid = uid;
        Gid = gid;
        Bwrap = bwrap;
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        _setpriv = [setpriv, "--reuid=" + uid.ToString(culture), "--regid=" + gid.ToString(culture), "--clear-groups", "--"];
    }

    public string Name { get; }

    public int Uid { get; }

    public int Gid { get; }

    /// <summary>Full path of bwrap, or null when it is not installed (then hidden folders cannot be served).</summary>
    public string? Bwrap { get; }

    public override string ToString() => $"{Name} ({Uid}:{Gid})";

    /// <summary>
    /// The user functions run as, or null for the agent's own: when the agent is not root, or
    /// <paramref name="runAs"/> is empty or <c>root</c> (the explicit opt-out). Accepts a name
    /// of /etc/passwd or <c>uid[:gid]</c>. Throws <see cref="InvalidOperationException"/> for an
    /// unknown user or a missing setpriv, so a misconfigured agent does not start.
    /// </summary>
    public static FunctionUser? Resolve(string? runAs)
    {
        if (geteuid() != 0 || string.IsNullOrWhiteSpace(runAs) || runAs.Trim() is "root" or "0" or "0:0")
        {
            return null;
        }

        runAs = runAs.Trim();
        var setpriv = Find("setpriv") ?? throw new InvalidOperationException(
            $"functions are to run as '{runAs}' (FNAGENT_RunAs) but setpriv is not installed (util-linux); install it, or set FNAGENT_RunAs=root to run functions as the agent's own user");
        var (name, uid, gid) = Lookup(runAs) ?? throw new InvalidOperationException(
            $"functions are to run as '{runAs}' (FNAGENT_RunAs), which is no user of this machine; give a name of /etc/passwd or uid:gid, or root to run functions as the agent's own user");
        if (uid == 0)
        {
            return null;
        }

        return new FunctionUser(name, uid, gid, setpriv, Find("bwrap"));
    }

    /// <summary>
    /// The argv that runs <paramref name="program"/> with <paramref name="arguments"/> as this
    /// user in <paramref name="folder"/>: through setpriv, and bwrap first when the folder is hidden.
    /// </summary>
    public List<string> Wrap(string folder, string program, IEnumerable<string> arguments)
    {
        var argv = new List<string>(16);
        if (HiddenBy(folder) is { } hidden && Bwrap is { } bwrap && hidden != folder)
        {
            // bwrap makes the folders it needs for a mount point 0700: each one between the
            // tmpfs and the function's folder is made explicitly, enterable.
            argv.AddRange([bwrap, "--dev-bind", "/", "/", "--perms", "0755", "--tmpfs", hidden]);
            foreach (var dir in Between(hidden, folder))
            {
                argv.AddRange(["--perms", "0755", "--dir", dir]);
            }

            argv.AddRange(["--bind", folder, folder, "--chdir", folder, "--"]);
        }

        argv.AddRange(_setpriv);
        argv.Add(program);
        argv.AddRange(arguments);
        return argv;
    }

    /// <summary>
    /// setpriv's part of the argv (the program follows): the user, no supplementary groups and,
    /// in the sandbox, no capabilities at all (bounding and inheritable sets emptied, so
    /// nothing can be regained by exec).
    /// </summary>
    public IReadOnlyList<string> Setpriv(bool dropCapabilities) =>
        dropCapabilities ? [.. _setpriv[..^1], "--bounding-set=-all", "--inh-caps=-all", "--"] : _setpriv;

    /// <summary>
    /// Why a function in <paramref name="folder"/> cannot run as this user, or null when it can
    /// (also through bubblewrap). Checked when the function loads, so the operator reads it in
    /// the log and in <c>GET /v1/functions</c> instead of a "permission denied" at call time.
    /// </summary>
    public string? Problem(string folder, string? program)
    {
        var hidden = FindHidden(folder);
        _hiddenBy[folder] = hidden;
        var optOut = "or set FNAGENT_RunAs=root to run functions as the agent's own user";
        // Bound in, the folders above are bwrap's own; the folder itself keeps its mode.
        if (hidden is not null && Bwrap is not null && Stat(folder) is { } self && !Allows(self, 1))
        {
            hidden = folder;
        }

        if (hidden is not null && (hidden == folder || Bwrap is null))
        {
            var what = hidden == folder ? "it" : $"{hidden} above it";
            var how = hidden == folder ? "let others enter the folder (chmod o+x)" : "install bubblewrap so the agent can bind the folder in (apt-get install bubblewrap), move the function elsewhere";
            return $"functions run as user {this}, who cannot enter the function's folder {folder}: {what} is {Describe(hidden)}; {how}, {optOut}; this function is not loaded";
        }

        if (program is not null && program.Contains('/'))
        {
            var path = Path.GetFullPath(program, folder);
            if (Stat(path) is { } file && !Allows(file, 1) && (hidden is null || path.StartsWith(folder + "/", StringComparison.Ordinal)))
            {
                return $"functions run as user {this}, who may not execute {path}: it is {Describe(path)}; chmod o+rx it, {optOut}; this function is not loaded";
            }
        }

        return null;
    }

    /// <summary>The first folder from / down to <paramref name="folder"/> this user cannot enter (as of the last check), or null.</summary>
    public string? HiddenBy(string folder) => _hiddenBy.GetOrAdd(folder, FindHidden);

    /// <summary>The folders strictly between <paramref name="top"/> and <paramref name="folder"/>, top down.</summary>
    private static IEnumerable<string> Between(string top, string folder)
    {
        var below = new Stack<string>();
        for (var dir = Path.GetDirectoryName(folder); dir is not null && dir.Length > top.Length; dir = Path.GetDirectoryName(dir))
        {
            below.Push(dir);
        }

        return below;
    }

    private string? FindHidden(string folder)
    {
        var path = "/";
        foreach (var part in folder.Split('/', StringSplitOptions.RemoveEmptyEntries).Prepend(""))
        {
            path = part.Length == 0 ? "/" : Path.Combine(path, part);
            if (Stat(path) is { } entry && !Allows(entry, 1))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>Whether the mode bits give this user (no supplementary groups: setpriv clears them) the permission <paramref name="bit"/> (1 x, 2 w, 4 r).</summary>
    private bool Allows((int Mode, int Uid, int Gid) entry, int bit)
    {
        var shift = entry.Uid == Uid ? 6 : entry.Gid == Gid ? 3 : 0;
        return ((entry.Mode >> shift) & bit) != 0;
    }

    private static string Describe(string path) => Stat(path) is { } entry
        ? $"mode {Convert.ToString(entry.Mode & 0x1FF, 8).PadLeft(4, '0')}, owned by uid {entry.Uid}"
        : "not readable";

    private static string? Find(string program) =>
        Folders.Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists);

    private static (string Name, int Uid, int Gid)? Lookup(string runAs)
    {
        var parts = runAs.Split(':');
        var numeric = parts.Length <= 2 && parts.All(p => int.TryParse(p, out var n) && n >= 0);
        foreach (var line in File.Exists("/etc/passwd") ? File.ReadLines("/etc/passwd") : [])
        {
            var fields = line.Split(':');
            if (fields.Length >= 4 && int.TryParse(fields[2], out var uid) && int.TryParse(fields[3], out var gid)
                && (fields[0] == runAs || (numeric && parts[0] == fields[2])))
            {
                return (fields[0], uid, numeric && parts.Length == 2 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : gid);
            }
        }

        // A uid with no passwd entry is a valid user all the same.
        return numeric ? (runAs, int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture)) : null;
    }
}
