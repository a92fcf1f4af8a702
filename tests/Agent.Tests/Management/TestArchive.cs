using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Fnagent.Agent.Tests.Management;

/// <summary>Code archives made in the test with the framework's own tar writer, as a client would send them.</summary>
internal static class TestArchive
{
    public static byte[] Of(params TarEntry[] entries)
    {
        var bytes = new MemoryStream();
        using (var gzip = new GZipStream(bytes, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                tar.WriteEntry(entry);
            }
        }

        return bytes.ToArray();
    }

    public static PaxTarEntry File(string name, string content, UnixFileMode mode = (UnixFileMode)0b110_100_100) =>
        File(name, Encoding.UTF8.GetBytes(content), mode);

    public static PaxTarEntry File(string name, byte[] content, UnixFileMode mode = (UnixFileMode)0b110_100_100) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content), Mode = mode };

    public static PaxTarEntry Folder(string name) => new(TarEntryType.Directory, name) { Mode = (UnixFileMode)0b111_101_101 };

    public static PaxTarEntry Link(string name, string target) => new(TarEntryType.SymbolicLink, name) { LinkName = target };

    public static PaxTarEntry Other(TarEntryType type, string name) => type switch
    {
        TarEntryType.HardLink => new(type, name) { LinkName = "ok.txt" },
        TarEntryType.CharacterDevice or TarEntryType.BlockDevice => new(type, name) { DeviceMajor = 1, DeviceMinor = 3 },
        _ => new(type, name),
    };

    /// <summary>
    /// A hand-made PAX global header holding one <paramref name="size"/>-byte attribute: a tar reader holds
    /// such a record in memory whole. Made by hand because the tar writer would need the attribute as one
    /// string; here the filler streams through gzip, to a few hundred KB.
    /// </summary>
    public static byte[] HugeGlobalHeader(long size)
    {
        var header = new byte[512];
        void Put(int at, string text) => Encoding.ASCII.GetBytes(text).CopyTo(header, at);
        Put(0, "pax_global_header");
        Put(100, "0000644\0");
        Put(108, "0000000\0");
        Put(116, "0000000\0");
        Put(124, Convert.ToString(size, 8).PadLeft(11, '0') + "\0");
        Put(136, "00000000000\0");
        Put(148, "        ");
        header[156] = (byte)'g';
        Put(257, "ustar\0" + "00");
        Put(148, Convert.ToString(header.Sum(b => b), 8).PadLeft(6, '0') + "\0 ");

        // One record, "<size> comment=000...0\n", exactly size bytes long, then padding and the end blocks.
        var prefix = Encoding.ASCII.GetBytes($"{size} comment=");
        var bytes = new MemoryStream();
        using (var gzip = new GZipStream(bytes, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(header);
            gzip.Write(prefix);
            var filler = new byte[1 << 20];
            Array.Fill(filler, (byte)'0');
            for (var left = size - prefix.Length - 1; left > 0; left -= filler.Length)
            {
                gzip.Write(filler, 0, (int)Math.Min(left, filler.Length));
            }

            gzip.WriteByte((byte)'\n');
            gzip.Write(new byte[(512 - (int)(size % 512)) % 512 + 1024]);
        }

        return bytes.ToArray();
    }

    /// <summary>Bytes gzip cannot shrink.</summary>
    public static byte[] Noise(int length) => System.Security.Cryptography.RandomNumberGenerator.GetBytes(length);

    /// <summary>
    /// Writes <paramref name="count"/> empty files to a .tar.gz at <paramref name="path"/>, one entry at a time,
    /// so the archive never sits in memory.
    /// </summary>
    public static void WriteManyEmptyFiles(string path, int count)
    {
        using var file = System.IO.File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Ustar);
        for (var i = 0; i < count; i++)
        {
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, $"f/{i:D6}"));
        }
    }
}
