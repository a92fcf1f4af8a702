using System.Text;

namespace Fnagent.Management;

/// <summary>
/// The name rules of a code archive: what an entry may be called and where a symbolic link may point.
/// Both work on the archive's text alone; <see cref="UnpackedFolder"/> adds the checks that need the folder.
/// </summary>
internal static class CodeArchiveNames
{
    /// <summary>One path segment: the usual NAME_MAX of Linux file systems.</summary>
    public const int MaxSegmentBytes = 255;

    /// <summary>A whole entry name or link target, well under PATH_MAX (4096) once the folder is put in front.</summary>
    public const int MaxNameBytes = 2048;

    private const int ShownChars = 200;

    /// <summary>
    /// The entry's path relative to the folder, with a leading <c>./</c> (as <c>tar -C dir .</c> writes) and
    /// a folder's trailing <c>/</c> removed; <c>""</c> for the folder itself (the <c>./</c> entry).
    /// Refuses an empty or absolute name, a backslash or NUL, and empty, <c>.</c> or <c>..</c> segments.
    /// </summary>
    public static string Relative(string raw, bool isFolder)
    {
        if (CharacterProblem(raw) is { } problem)
        {
            throw new CodeArchiveException($"the entry name {Shown(raw)} {problem}");
        }

        if (raw[0] == '/')
        {
            throw Refused(raw, "is an absolute path; entries must be relative to the function folder");
        }

        var name = raw;
        while (name.StartsWith("./", StringComparison.Ordinal))
        {
            name = name[2..];
        }

        if (isFolder)
        {
            name = name.TrimEnd('/');
            if (name is "" or ".")
            {
                return "";
            }
        }

        if (name.Length == 0)
        {
            throw Refused(raw, "has no name after its leading './'");
        }

        foreach (var segment in name.Split('/'))
        {
            switch (segment)
            {
                case "..":
                    throw Refused(raw, "has a '..' segment; entries must stay inside the function folder");
                case "" or ".":
                    throw Refused(raw, "has an empty or '.' segment");
                default:
                    if (Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes)
                    {
                        throw Refused(raw, $"has a segment longer than {MaxSegmentBytes} bytes");
                    }

                    break;
            }
        }

        return name;
    }

    /// <summary>
    /// Refuses a link target that could lead out of the folder, whatever else the archive holds. The target
    /// must be relative and may climb (<c>..</c>) only at its start, at most as many levels as the link is
    /// deep: the climb then runs along the link's own parents, which are real folders, and every name after
    /// it descends from there. A <c>..</c> after a name is refused because that name may be (or later become)
    /// a link itself, so where the climb lands cannot be known from the text (<c>up -> ..</c> then
    /// <c>x -> up/..</c> would leave the folder although <c>x</c> looks inside).
    /// </summary>
    public static void CheckLinkTarget(string link, string target)
    {
        if (CharacterProblem(target) is { } problem)
        {
            throw Refused(link, $"is a symbolic link whose target {Shown(target)} {problem}");
        }

        if (target[0] == '/')
        {
            throw Refused(link, $"is a symbolic link to the absolute path {Shown(target)}; links must be relative and stay inside the function folder");
        }

        var depth = link.Count(c => c == '/');
        var climbs = 0;
        var named = false;
        foreach (var segment in target.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment != "..")
            {
                named = true;
            }
            else if (named)
            {
                throw Refused(link, $"is a symbolic link to {Shown(target)}; '..' may only come at the start of a link's target");
            }
            else if (++climbs > depth)
            {
                throw Refused(link, $"is a symbolic link to {Shown(target)}, which is outside the function folder");
            }
        }
    }

    /// <summary>A name quoted for a message, cut short: names come from the caller and may be long.</summary>
    public static string Shown(string name) =>
        $"'{(name.Length <= ShownChars ? name : name[..ShownChars] + "...").Replace("\0", "\\0", StringComparison.Ordinal)}'";

    public static CodeArchiveException Refused(string name, string what) => new($"{Shown(name)} {what}");

    /// <summary>What is wrong with a name's characters or length, or null.</summary>
    private static string? CharacterProblem(string text) =>
        text.Length == 0 ? "is empty"
        : text.Contains('\0') ? "has a NUL character"
        : text.Contains('\\') ? "has a backslash; use '/'"
        : Encoding.UTF8.GetByteCount(text) > MaxNameBytes ? $"is longer than {MaxNameBytes} bytes"
        : null;
}
