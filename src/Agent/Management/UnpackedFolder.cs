using static Fnagent.Management.CodeArchiveNames;

namespace Fnagent.Management;

/// <summary>
/// The folder an archive is unpacked into, and the record of everything written there. The folder is new
/// and only this instance writes into it, so the record is the truth about each path: a parent is a real
/// folder exactly when the record says so, which is how a write through a symbolic link is refused
/// without asking the file system. Not thread-safe: one archive, one reader.
/// </summary>
internal sealed class UnpackedFolder(string root, CodeArchiveLimits limits)
{
    public const UnixFileMode FolderMode = (UnixFileMode)0b111_101_101;
    private const UnixFileMode ExecutableFileMode = FolderMode;
    private const UnixFileMode PlainFileMode = (UnixFileMode)0b110_100_100;
    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private readonly Dictionary<string, Made> _made = new(StringComparer.Ordinal);
    private readonly string _rootWithSeparator = Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar;
    private int _entries;

    private enum Made
    {
        ImpliedFolder,
        Folder,
        File,
        Link,
    }

    /// <summary>Regular files written.</summary>
    public int Files { get; private set; }

    /// <summary>Bytes of file content written.</summary>
    public long Bytes { get; private set; }

    /// <summary>Counts one thing the archive makes; refuses past <see cref="CodeArchiveLimits.MaxFiles"/>.</summary>
    public void Count(string entry)
    {
        if (++_entries > limits.MaxFiles)
        {
            throw new CodeArchiveException($"the archive has more than {limits.MaxFiles} entries; stopped at {Shown(entry)}");
        }
    }

    public void AddFolder(string relative)
    {
        PrepareParents(relative);
        if (_made.TryGetValue(relative, out var made) && made == Made.ImpliedFolder)
        {
            _made[relative] = Made.Folder;
            return;
        }

        Claim(relative, Made.Folder);
        var full = FullPath(relative);
        Directory.CreateDirectory(full);
        File.SetUnixFileMode(full, FolderMode);
    }

    public void AddLink(string relative, string target)
    {
        CheckLinkTarget(relative, target);
        PrepareParents(relative);
        Claim(relative, Made.Link);
        var full = FullPath(relative);
        var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full)!, target));
        if (resolved + Path.DirectorySeparatorChar != _rootWithSeparator && !resolved.StartsWith(_rootWithSeparator, StringComparison.Ordinal))
        {
            throw Refused(relative, $"is a symbolic link to {Shown(target)}, which is outside the function folder");
        }

        File.CreateSymbolicLink(full, target);
    }

    /// <summary>
    /// Writes a regular file from <paramref name="read"/> (which fills the buffer from the entry's data and
    /// returns 0 at its end) and returns how many bytes it held. The unpacked limit is checked against bytes
    /// actually written, before each write, so no size field can get around it.
    /// </summary>
    public async Task<long> AddFileAsync(string relative, UnixFileMode mode, long declaredLength, Func<Memory<byte>, ValueTask<int>> read, Memory<byte> buffer, CancellationToken ct)
    {
        PrepareParents(relative);
        Claim(relative, Made.File);
        if (declaredLength > limits.MaxUnpackedBytes - Bytes)
        {
            throw TooLarge(relative);
        }

        // CreateNew is O_CREAT|O_EXCL: it never opens an existing file or follows a link at that name.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        await using var file = new FileStream(FullPath(relative), options);
        File.SetUnixFileMode(file.SafeFileHandle, (mode & AnyExecute) != 0 ? ExecutableFileMode : PlainFileMode);
        Files++;
        long written = 0;
        while (await read(buffer) is var n and > 0)
        {
            if (n > limits.MaxUnpackedBytes - Bytes)
            {
                throw TooLarge(relative);
            }

            await file.WriteAsync(buffer[..n], ct);
            Bytes += n;
            written += n;
        }

        return written;
    }

    private CodeArchiveException TooLarge(string relative) =>
        Refused(relative, $"makes the unpacked code larger than {limits.MaxUnpackedBytes} bytes");

    /// <summary>Makes sure every parent of <paramref name="relative"/> is a real folder, creating the ones only implied.</summary>
    private void PrepareParents(string relative)
    {
        for (var slash = relative.IndexOf('/'); slash > 0; slash = relative.IndexOf('/', slash + 1))
        {
            var parent = relative[..slash];
            if (!_made.TryGetValue(parent, out var made))
            {
                Count(parent);
                _made[parent] = Made.ImpliedFolder;
                var full = FullPath(parent);
                Directory.CreateDirectory(full);
                File.SetUnixFileMode(full, FolderMode);
            }
            else if (made == Made.Link)
            {
                throw Refused(relative, $"would be written through the symbolic link {Shown(parent)}");
            }
            else if (made == Made.File)
            {
                throw Refused(relative, $"is inside {Shown(parent)}, which is a file");
            }
        }
    }

    private void Claim(string relative, Made made)
    {
        if (!_made.TryAdd(relative, made))
        {
            throw Refused(relative, "appears twice in the archive");
        }
    }

    private string FullPath(string relative)
    {
        var full = Path.GetFullPath(Path.Combine(_rootWithSeparator, relative));
        if (!full.StartsWith(_rootWithSeparator, StringComparison.Ordinal))
        {
            throw Refused(relative, "resolves outside the function folder");
        }

        return full;
    }
}
