using System.Formats.Tar;
using System.IO.Compression;

namespace Fnagent.Cli;

/// <summary>
/// Packs a function folder as the .tar.gz that <c>PUT /v2/fns/{id}/code</c> takes: entry
/// names relative to the folder (no <c>./</c>), file modes kept, relative symlinks kept as
/// links; <c>.git</c>, <c>node_modules</c> (the agent's build installs them), <c>.versions</c>
/// and hidden <c>.fnagent*</c> files are left out. Streams to a temporary file that deletes
/// itself when closed, and refuses a folder whose archive passes <see cref="Limit"/>.
/// </summary>
internal static class FunctionArchive
{
    public const long Limit = 64L * 1024 * 1024;

    /// <summary>The archive of <paramref name="directory"/>, positioned at its start; the caller disposes it.</summary>
    public static Task<FileStream> PackAsync(string directory, CancellationToken cancellationToken) =>
        PackAsync(directory, Limit, cancellationToken);

    /// <summary>As <see cref="PackAsync(string, CancellationToken)"/> with another bound: tests pass a small one.</summary>
    public static async Task<FileStream> PackAsync(string directory, long limit, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fnagent-deploy-{Guid.NewGuid():N}.tar.gz");
        var archive = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await using (var gzip = new GZipStream(archive, CompressionLevel.Optimal, leaveOpen: true))
            await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            {
                await AddFolderAsync(tar, archive, limit, new DirectoryInfo(directory), "", directory, cancellationToken);
            }

            CheckSize(archive, limit, directory);
            archive.Position = 0;
            return archive;
        }
        catch
        {
            await archive.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether a file or folder of this name stays out of the archive, at any depth.</summary>
    public static bool IsLeftOut(string name) =>
        name is ".git" or "node_modules" or ".versions" || name.StartsWith(".fnagent", StringComparison.Ordinal);

    private static async Task AddFolderAsync(TarWriter tar, FileStream archive, long limit, DirectoryInfo folder, string prefix, string root, CancellationToken cancellationToken)
    {
        // Sorted, so the same folder packs to the same entries in the same order.
        foreach (var item in folder.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            if (IsLeftOut(item.Name))
            {
                continue;
            }

            var name = prefix + item.Name;
            if (item.LinkTarget is { } target)
            {
                // An absolute link would point into this machine, not into the deployed folder.
                if (Path.IsPathRooted(target))
                {
                    throw new CommandFailure($"{Path.Combine(root, name)} is a symlink to the absolute path {target}: only relative symlinks can be deployed");
                }

                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = (UnixFileMode)0b111_111_111, ModificationTime = item.LastWriteTimeUtc }, cancellationToken);
            }
            else if (item is DirectoryInfo subfolder)
            {
                await tar.WriteEntryAsync(Entry(TarEntryType.Directory, name + "/", item), cancellationToken);
                await AddFolderAsync(tar, archive, limit, subfolder, name + "/", root, cancellationToken);
            }
            else if (item is FileInfo file)
            {
                await using var data = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
                var entry = Entry(TarEntryType.RegularFile, name, item);
                entry.DataStream = data;
                await tar.WriteEntryAsync(entry, cancellationToken);
                CheckSize(archive, limit, root);
            }
        }
    }

    private static PaxTarEntry Entry(TarEntryType type, string name, FileSystemInfo item) =>
        new(type, name) { Mode = item.UnixFileMode, ModificationTime = item.LastWriteTimeUtc };

    private static void CheckSize(FileStream archive, long limit, string root)
    {
        // The gzip stream holds back at most its buffer, so this sees the size within a few KiB.
        if (archive.Length > limit)
        {
            throw new CommandFailure($"{root} packs to more than {limit / (1024.0 * 1024):0.##} MiB compressed, more than deploy sends. Leave build outputs and data out of the function folder.");
        }
    }
}
