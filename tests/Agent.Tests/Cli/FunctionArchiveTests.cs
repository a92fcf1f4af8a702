using System.Formats.Tar;
using System.IO.Compression;
using Fnagent.Cli;

namespace Fnagent.Agent.Tests.Cli;

/// <summary>The .tar.gz that <c>fnagent deploy</c> uploads, read back with a real tar reader.</summary>
public sealed class FunctionArchiveTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fnagent-archive-").FullName;

    [Fact]
    public async Task TheArchiveHoldsTheFolderRelativeWithModesAndRelativeLinksAndLeavesOutWhatTheAgentMakes()
    {
        Write("func.yml", "name: packed\ncmd: ./run.sh\n");
        Write("run.sh", "#!/bin/sh\necho hi\n", (UnixFileMode)0b111_101_101);
        Write("lib/data.txt", "data");
        File.CreateSymbolicLink(Path.Combine(_folder, "lib", "run"), "../run.sh");
        Write(".git/config", "x");
        Write("node_modules/pkg/index.js", "x");
        Write("lib/node_modules/pkg/index.js", "x");
        Write(".versions/1/func.yml", "x");
        Write(".fnagent-state", "x");

        var entries = await ReadAsync(_folder);

        Assert.Equal(["func.yml", "lib/", "lib/data.txt", "lib/run", "run.sh"], entries.Select(e => e.Name));
        Assert.Equal((UnixFileMode)0b111_101_101, entries.Single(e => e.Name == "run.sh").Mode);
        Assert.Equal(TarEntryType.SymbolicLink, entries.Single(e => e.Name == "lib/run").Type);
        Assert.Equal("../run.sh", entries.Single(e => e.Name == "lib/run").Link);
        Assert.Equal("data", entries.Single(e => e.Name == "lib/data.txt").Text);
    }

    [Fact]
    public async Task AnAbsoluteSymlinkIsRefusedByName()
    {
        Write("func.yml", "name: packed\n");
        File.CreateSymbolicLink(Path.Combine(_folder, "etc"), "/etc");

        var failure = await Assert.ThrowsAsync<CommandFailure>(() => FunctionArchive.PackAsync(_folder, CancellationToken.None));

        Assert.Contains("etc is a symlink to the absolute path /etc", failure.Message);
    }

    [Fact]
    public async Task AFolderThatPacksPastTheBoundIsRefused()
    {
        var noise = new byte[256 * 1024];
        new Random(7).NextBytes(noise);
        await File.WriteAllBytesAsync(Path.Combine(_folder, "blob.bin"), noise);

        var failure = await Assert.ThrowsAsync<CommandFailure>(() => FunctionArchive.PackAsync(_folder, 64 * 1024, CancellationToken.None));

        Assert.Contains("packs to more than 0.06 MiB compressed", failure.Message);
    }

    [Fact]
    public async Task TheTemporaryArchiveIsGoneOnceClosed()
    {
        Write("func.yml", "name: packed\n");

        string path;
        await using (var archive = await FunctionArchive.PackAsync(_folder, CancellationToken.None))
        {
            path = archive.Name;
            Assert.True(File.Exists(path));
        }

        Assert.False(File.Exists(path));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Write(string relative, string text, UnixFileMode? mode = null)
    {
        var path = Path.Combine(_folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (mode is { } set)
        {
            File.SetUnixFileMode(path, set);
        }
    }

    private static async Task<List<(string Name, TarEntryType Type, UnixFileMode Mode, string Link, string Text)>> ReadAsync(string folder)
    {
        await using var archive = await FunctionArchive.PackAsync(folder, CancellationToken.None);
        await using var gzip = new GZipStream(archive, CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        var entries = new List<(string, TarEntryType, UnixFileMode, string, string)>();
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            var text = entry.DataStream is { } data ? await new StreamReader(data).ReadToEndAsync() : "";
            entries.Add((entry.Name, entry.EntryType, entry.Mode, entry.LinkName, text));
        }

        return entries;
    }
}
