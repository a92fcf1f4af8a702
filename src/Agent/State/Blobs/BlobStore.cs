using System.Security.Cryptography;

namespace Fnagent.State.Blobs;

/// <summary>
/// The content store (docs/protocols.md §9): each blob a file of <c>&lt;data&gt;/blobs</c>
/// named by its CID. A blob is written to a temporary file of that folder, hashed as it is
/// written, fsynced and renamed to its CID, so a crash never leaves a file whose bytes do not
/// match its name; a read hashes the file before a byte is served, so a file changed on disk
/// since is refused (<see cref="BlobCorruptException"/>), never served. Both stream: a 1 GB
/// blob does not grow the agent's memory. Thread-safe: writers of the same content rename the
/// same bytes over each other.
/// </summary>
public sealed class BlobStore
{
    private const int BufferSize = 128 * 1024;
    private const string TemporaryPrefix = ".incoming-";

    private readonly string _folder;

    public BlobStore(string dataDirectory, long maxBytes)
    {
        _folder = Directory.CreateDirectory(Path.Combine(dataDirectory, "blobs")).FullName;
        MaxBytes = maxBytes;
        // What a crash left half written is nobody's.
        foreach (var leftover in Directory.EnumerateFiles(_folder, TemporaryPrefix + "*"))
        {
            File.Delete(leftover);
        }
    }

    /// <summary>The largest blob accepted (<c>Limits:MaxBlobBytes</c>).</summary>
    public long MaxBytes { get; }

    /// <summary>
    /// Stores what <paramref name="content"/> holds and returns its CID. Throws
    /// <see cref="BlobTooLargeException"/> past <see cref="MaxBytes"/>, leaving nothing.
    /// </summary>
    public async Task<Cid> PutAsync(Stream content, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(_folder, TemporaryPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            byte[] digest;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[BufferSize];
                long length = 0;
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    length += read;
                    if (length > MaxBytes)
                    {
                        throw new BlobTooLargeException(MaxBytes);
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                digest = hash.GetHashAndReset();
                file.Flush(flushToDisk: true);
            }

            var cid = Cid.OfDigest(digest);
            File.Move(temporary, PathOf(cid), overwrite: true);
            return cid;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// The blob named <paramref name="cid"/>, open at its start and checked against its name,
    /// or null when the store has none. Throws <see cref="BlobCorruptException"/> when the
    /// file's bytes are not the CID's. The caller disposes the stream.
    /// </summary>
    public async Task<FileStream?> OpenAsync(Cid cid, CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            file = new FileStream(PathOf(cid), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        try
        {
            // The open handle is the file served: a rename over it meanwhile changes nothing.
            var digest = await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false);
            if (!digest.AsSpan().SequenceEqual(cid.Digest.ToArray()))
            {
                throw new BlobCorruptException(cid);
            }

            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Removes the blob; false when there was none.</summary>
    public bool Delete(Cid cid)
    {
        var path = PathOf(cid);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>Where the blob named <paramref name="cid"/> is, or would be, on disk.</summary>
    public string PathOf(Cid cid) => Path.Combine(_folder, cid.Text);
}

/// <summary>A blob past the store's size limit.</summary>
public sealed class BlobTooLargeException(long maxBytes) : Exception($"the blob is over the limit of {maxBytes} bytes (Limits:MaxBlobBytes)")
{
    public long MaxBytes { get; } = maxBytes;
}

/// <summary>A blob file whose bytes do not match its CID any more (changed or damaged on disk).</summary>
public sealed class BlobCorruptException(Cid cid) : Exception($"the stored blob {cid} does not match its CID: it was changed or damaged on disk, and is not served")
{
    public Cid Cid { get; } = cid;
}
