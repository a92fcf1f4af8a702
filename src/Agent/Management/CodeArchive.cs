using System.Buffers;
using System.Formats.Tar;
using static Fnagent.Management.CodeArchiveNames;

namespace Fnagent.Management;

/// <summary>
/// Unpacks an uploaded function folder (a gzip-compressed tar) into a new folder, refusing anything that
/// could write outside it, fill the disk, or leave something other than plain files, folders and links
/// that stay inside.
/// </summary>
/// <remarks>
/// The rules, all enforced while streaming on what is actually read and written, never on sizes or
/// counts the archive claims, and never holding the archive in memory:
/// <list type="bullet">
/// <item>At most <see cref="CodeArchiveLimits.MaxCompressedBytes"/> read from the upload, at most
/// <see cref="CodeArchiveLimits.MaxUnpackedBytes"/> of file content written, at most
/// <see cref="CodeArchiveLimits.MaxFiles"/> entries (files, folders, links, and folders only implied by a
/// path), and at most <see cref="ArchiveInput.MaxHeaderBytes"/> of tar headers and padding.</item>
/// <item>Names: a leading <c>./</c> is dropped; an empty or absolute name, a <c>..</c>, <c>.</c> or empty
/// segment, a backslash or NUL is refused; the full path must stay under the folder.</item>
/// <item>Regular files, folders and symbolic links are written. A link's target must be relative, may climb
/// with <c>..</c> only at its start and no higher than the folder (<c>node_modules/.bin/x -> ../pkg/bin.js</c>
/// is fine; <c>/etc/passwd</c>, <c>../../x</c>, <c>a/../b</c> are not). Hard links, devices, fifos and every
/// other type are refused.</item>
/// <item>Nothing is written through a link or into a file: every parent of an entry must be a real folder.</item>
/// <item>A path that appears twice is refused (a folder first implied by a path may still get its own entry).</item>
/// <item>Modes: folders 0755; files 0755 if the entry had any execute bit, else 0644; never setuid, setgid
/// or sticky; owners are not changed.</item>
/// <item>A corrupt or truncated gzip or tar is refused as "not a gzip-compressed tar archive"; the stream is
/// read to its end so the gzip checksum covers the content.</item>
/// </list>
/// The steps: 1. create the folder, which must not exist; 2. read the next entry, count it; 3. check its
/// type and name; 4. write it (its parents first, as real folders); 5. after the tar end blocks, read to the
/// end of the gzip stream. On any failure, cancellation included, the folder is deleted with everything in it
/// (links are removed, never followed) before the exception leaves.
/// Not thread-safe per call; separate calls with separate targets are independent.
/// </remarks>
public static class CodeArchive
{
    private const int BufferSize = 81920;

    /// <summary>
    /// Reads <paramref name="upload"/> (a gzip of a tar) to its end and unpacks it into <paramref name="target"/>,
    /// which this method creates. Returns the regular files written and their bytes.
    /// </summary>
    /// <exception cref="CodeArchiveException">The archive is refused; the message names the entry and what is wrong, and nothing is left at <paramref name="target"/>.</exception>
    /// <exception cref="IOException"><paramref name="target"/> already exists (it is left alone), or the folder cannot be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; nothing is left at <paramref name="target"/>.</exception>
    public static async Task<(int Files, long Bytes)> ExtractAsync(Stream upload, string target, CodeArchiveLimits limits, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(limits);
        var root = Path.GetFullPath(target);

        // Step 1: create the folder. An existing one is the caller's mistake, and not ours to delete.
        if (Path.Exists(root) || new FileInfo(root).LinkTarget is not null)
        {
            throw new IOException($"'{root}' already exists; code is only unpacked into a new folder");
        }

        Directory.CreateDirectory(root);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            File.SetUnixFileMode(root, UnpackedFolder.FolderMode);
            var folder = new UnpackedFolder(root, limits);
            await using var input = new ArchiveInput(upload, limits, () => folder.Bytes, BufferSize);

            // Step 2: read the next entry, count it.
            while (await input.NextEntryAsync(ct) is { } entry)
            {
                folder.Count(entry.Name);

                // Steps 3 and 4: check its type and name, write it.
                await AddAsync(folder, input, entry, buffer, ct);
            }

            // Step 5: read to the end of the gzip stream, which checks its CRC.
            await input.DrainAsync(buffer, ct);
            return (folder.Files, folder.Bytes);
        }
        catch
        {
            Remove(root);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task AddAsync(UnpackedFolder folder, ArchiveInput input, TarEntry entry, byte[] buffer, CancellationToken ct)
    {
        switch (entry.EntryType)
        {
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                var file = Relative(entry.Name, isFolder: false);
                long read = 0;
                await folder.AddFileAsync(file, entry.Mode, entry.Length, async memory =>
                {
                    var n = await input.ReadDataAsync(entry, read, memory, ct);
                    read += n;
                    return n;
                }, buffer, ct);
                break;
            case TarEntryType.Directory:
                if (Relative(entry.Name, isFolder: true) is { Length: > 0 } directory)
                {
                    folder.AddFolder(directory);
                }

                break;
            case TarEntryType.SymbolicLink:
                folder.AddLink(Relative(entry.Name, isFolder: false), entry.LinkName);
                break;
            case TarEntryType.GlobalExtendedAttributes:
                // Metadata for the entries that follow (git archive writes the commit id here): nothing to write.
                break;
            default:
                throw Refused(entry.Name, $"is {Describe(entry.EntryType)}; only files, folders and symbolic links are allowed");
        }
    }

    private static string Describe(TarEntryType type) => type switch
    {
        TarEntryType.HardLink => "a hard link",
        TarEntryType.CharacterDevice => "a character device",
        TarEntryType.BlockDevice => "a block device",
        TarEntryType.Fifo => "a fifo",
        TarEntryType.SparseFile => "a sparse file",
        _ => $"an entry of type {type} ('{(char)type}')",
    };

    /// <summary>Deletes the half-written folder. Directory.Delete removes a link inside, never what it points to.</summary>
    private static void Remove(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only something outside this call can make a folder it created (0755, owned by us) fail to go;
            // the original failure is still what the caller needs to hear.
        }
    }
}
