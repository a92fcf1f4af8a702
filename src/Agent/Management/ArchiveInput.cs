using System.Formats.Tar;
using System.IO.Compression;
using static Fnagent.Management.CodeArchiveNames;

namespace Fnagent.Management;

/// <summary>
/// The reading side of an unpack: upload, gzip and tar, each counted, and every way they can fail turned
/// into one <see cref="CodeArchiveException"/> that says where in the archive it happened. Three things
/// pass unchanged: cancellation, a refusal already made, and a failure of the upload stream itself (a
/// broken request is not a corrupt archive).
/// </summary>
internal sealed class ArchiveInput : IAsyncDisposable
{
    /// <summary>
    /// Tar bytes that are not file content (headers, PAX and GNU long-name records, padding, the end
    /// blocks) allowed over the whole archive. The tar reader holds a PAX or GNU long-name record in memory
    /// whole, sized by its header, so this is also what bounds the memory a hostile header can make it fill.
    /// </summary>
    public const long MaxHeaderBytes = 64L << 20;

    private readonly CountingReadStream _upload;
    private readonly GZipStream _gzip;
    private readonly CountingReadStream _tar;
    private readonly TarReader _reader;
    private string? _current;

    /// <param name="contentBytes">File content written so far: tar bytes beyond it (and one buffer in flight) are headers.</param>
    public ArchiveInput(Stream upload, CodeArchiveLimits limits, Func<long> contentBytes, int bufferSize)
    {
        _upload = new CountingReadStream(upload, read =>
        {
            if (read > limits.MaxCompressedBytes)
            {
                throw new CodeArchiveException($"the archive is larger than {limits.MaxCompressedBytes} bytes{Where("while reading")}");
            }
        });
        _gzip = new GZipStream(_upload, CompressionMode.Decompress, leaveOpen: true);
        _tar = new CountingReadStream(_gzip, read =>
        {
            if (read - contentBytes() > MaxHeaderBytes + bufferSize)
            {
                throw new CodeArchiveException($"the archive's tar headers and padding are larger than {MaxHeaderBytes} bytes{Where("while reading")}");
            }
        });
        _reader = new TarReader(_tar, leaveOpen: true);
    }

    /// <summary>The next entry, or null after the tar end blocks.</summary>
    public async ValueTask<TarEntry?> NextEntryAsync(CancellationToken ct)
    {
        try
        {
            var entry = await _reader.GetNextEntryAsync(copyData: false, ct);
            _current = entry?.Name ?? _current;
            return entry;
        }
        catch (Exception e) when (IsArchiveFault(e))
        {
            throw new CodeArchiveException($"not a gzip-compressed tar archive: {(e is EndOfStreamException ? "it ends early" : e.Message)}{Where("after")}");
        }
    }

    /// <summary>Reads the current entry's data; 0 at its end, and an error if it ends before its declared length.</summary>
    public async ValueTask<int> ReadDataAsync(TarEntry entry, long readSoFar, Memory<byte> buffer, CancellationToken ct)
    {
        int read;
        try
        {
            read = entry.DataStream is { } data ? await data.ReadAsync(buffer, ct) : 0;
        }
        catch (Exception e) when (IsArchiveFault(e))
        {
            throw Corrupt(e.Message);
        }

        if (read == 0 && readSoFar < entry.Length)
        {
            throw new CodeArchiveException($"not a gzip-compressed tar archive: the data of {Shown(entry.Name)} ends after {readSoFar} of its {entry.Length} bytes");
        }

        return read;
    }

    /// <summary>
    /// Reads what follows the tar end blocks to the end of the gzip stream, so its checksum is checked:
    /// tar checks only its headers, and the gzip CRC is the one check on the content.
    /// </summary>
    public async ValueTask DrainAsync(Memory<byte> buffer, CancellationToken ct)
    {
        try
        {
            while (await _tar.ReadAsync(buffer, ct) > 0)
            {
            }
        }
        catch (Exception e) when (IsArchiveFault(e))
        {
            throw new CodeArchiveException($"not a gzip-compressed tar archive: {e.Message}{Where("after the last entry,")}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.DisposeAsync();
        await _tar.DisposeAsync();
        await _gzip.DisposeAsync();
        await _upload.DisposeAsync();
    }

    private bool IsArchiveFault(Exception e) =>
        e is not OperationCanceledException and not CodeArchiveException && !ReferenceEquals(e, _upload.Failure);

    private CodeArchiveException Corrupt(string what) => new($"not a gzip-compressed tar archive: {what}{Where("in")}");

    private string Where(string how) => _current is null ? "" : $" ({how} {Shown(_current)})";
}
