namespace Fnagent.Management;

/// <summary>
/// How much one uploaded code archive may hold. Every limit is enforced on what is actually read and
/// written while streaming, never on sizes the archive claims for itself.
/// </summary>
/// <param name="MaxCompressedBytes">Bytes read from the upload (the .tar.gz itself).</param>
/// <param name="MaxUnpackedBytes">Bytes of file content written into the folder.</param>
/// <param name="MaxFiles">Things created in the folder: files, folders (also ones only implied by a path) and symbolic links.</param>
public sealed record CodeArchiveLimits(long MaxCompressedBytes, long MaxUnpackedBytes, int MaxFiles)
{
    /// <summary>64 MiB compressed, 512 MiB unpacked, 10,000 entries.</summary>
    public static CodeArchiveLimits Default { get; } = new(64L << 20, 512L << 20, 10_000);
}
