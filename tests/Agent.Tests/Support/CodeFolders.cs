using System.Formats.Tar;
using System.IO.Compression;

namespace Fnagent.Agent.Tests.Support;

/// <summary>Function folders as the management API receives them: a .tar.gz made in memory from file names, contents and modes.</summary>
public static class CodeFolders
{
    public static byte[] Pack(params (string Name, string Content, UnixFileMode Mode)[] files)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content, mode) in files)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)),
                    Mode = mode,
                });
            }
        }

        return output.ToArray();
    }

    public const UnixFileMode Executable = (UnixFileMode)0b111_101_101;

    public const UnixFileMode Plain = (UnixFileMode)0b110_100_100;

    /// <summary>A bash function folder: its func.yml (<paramref name="yml"/> after the name) and a script printing <paramref name="greeting"/>, $GREETING and the body.</summary>
    public static byte[] Bash(string name, string greeting, string yml = "", string script = "") => Pack(
        ("func.yml", $"name: {name}\ncmd: ./func.sh\n{yml}", Plain),
        ("func.sh", $"#!/usr/bin/env bash\n{script}\nbody=$(cat)\necho \"{greeting} ${{GREETING:-}} $body\"\n", Executable));
}
