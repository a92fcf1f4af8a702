using System.Formats.Tar;
using Fnagent.Management;
using static Fnagent.Agent.Tests.Management.TestArchive;

namespace Fnagent.Agent.Tests.Management;

public sealed partial class CodeArchiveTests
{
    [Theory]
    [InlineData("../x", "'..' segment")]
    [InlineData("a/../../x", "'..' segment")]
    [InlineData("./../x", "'..' segment")]
    [InlineData("a/..", "'..' segment")]
    [InlineData("/etc/x", "absolute path")]
    [InlineData("a\\..\\..\\x", "backslash")]
    [InlineData("a//b", "empty or '.' segment")]
    [InlineData("a/./b", "empty or '.' segment")]
    [InlineData("./", "no name")]
    public async Task AnUnsafeFileNameIsRefused(string name, string why)
    {
        var error = await RefusedAsync(Of(File("ok.txt", "fine"), File(name, "escaped")), name);

        Assert.Contains(why, error.Message);
        Assert.False(System.IO.File.Exists(Path.Combine(_folder.Path, "x")));
    }

    [Fact]
    public async Task ANulInANameIsRefused()
    {
        var error = await RefusedAsync(Of(File("ok.txt", "fine"), File("a\0b", "x")), "a\\0b");

        Assert.Contains("NUL", error.Message);
    }

    [Theory]
    [InlineData("etc", "/etc", "absolute path")]
    [InlineData("passwd", "/etc/passwd", "absolute path")]
    [InlineData("out", "../outside", "outside the function folder")]
    [InlineData("a/b/out", "../../../x", "outside the function folder")]
    [InlineData("a/out", "../../x", "outside the function folder")]
    [InlineData("a/twisty", "b/../../x", "only come at the start")]
    [InlineData("a/b/deep", "../x/../../..", "only come at the start")]
    [InlineData("nul", "a\0b", "NUL")]
    [InlineData("windows", "..\\..\\x", "backslash")]
    public async Task ALinkThatCouldLeadOutIsRefused(string name, string target, string why)
    {
        var error = await RefusedAsync(Of(File("ok.txt", "fine"), Link(name, target)), name);

        Assert.Contains(why, error.Message);
        Assert.Contains(target.Replace("\0", "\\0"), error.Message);
    }

    [Fact]
    public async Task ALinkClimbingThroughAnotherLinkIsRefusedAlthoughItsTextStaysInside()
    {
        // "a/up" lands on the folder itself; "x" reads as "a" by its text, but the system resolves up to the
        // folder and then climbs once more, out of it.
        var error = await RefusedAsync(Of(Link("a/up", ".."), Link("x", "a/up/..")), "'x'");

        Assert.Contains("only come at the start", error.Message);
    }

    [Fact]
    public async Task AFileWrittenThroughALinkedFolderIsRefused()
    {
        var error = await RefusedAsync(Of(Folder("real/"), Link("a", "real"), File("a/x", "through")), "'a/x'");

        Assert.Contains("through the symbolic link 'a'", error.Message);
    }

    [Fact]
    public async Task ALinkPlacedUnderALinkedFolderIsRefused()
    {
        var error = await RefusedAsync(Of(Link("a", "."), Link("a/b", "x")), "'a/b'");

        Assert.Contains("through the symbolic link 'a'", error.Message);
    }

    [Fact]
    public async Task AFileInsideAFileIsRefused()
    {
        var error = await RefusedAsync(Of(File("a", "a file"), File("a/x", "inside")), "'a/x'");

        Assert.Contains("which is a file", error.Message);
    }

    [Theory]
    [InlineData(TarEntryType.HardLink, "a hard link")]
    [InlineData(TarEntryType.Fifo, "a fifo")]
    [InlineData(TarEntryType.CharacterDevice, "a character device")]
    [InlineData(TarEntryType.BlockDevice, "a block device")]
    public async Task AnEntryOfAnotherTypeIsRefusedByItsType(TarEntryType type, string named)
    {
        var error = await RefusedAsync(Of(File("ok.txt", "fine"), Other(type, "dev/thing")), "'dev/thing'");

        Assert.Contains(named, error.Message);
    }

    [Theory]
    [InlineData("a.txt", "a.txt")]
    [InlineData("a.txt", "./a.txt")]
    [InlineData("d/", "d")]
    [InlineData("d/", "d/")]
    [InlineData("a.txt", "a.txt/")]
    public async Task APathThatAppearsTwiceIsRefused(string first, string second)
    {
        TarEntry Entry(string name) => name.EndsWith('/') ? Folder(name) : File(name, "x");

        var error = await RefusedAsync(Of(Entry(first), Entry(second)), "appears twice");

        Assert.Contains($"'{second.TrimStart('.', '/').TrimEnd('/')}'", error.Message);
    }

    [Fact]
    public async Task AHundredThousandTinyFilesAreRefusedOnceTheCountPassesTheLimit()
    {
        var archive = Path.Combine(_folder.Path, "many.tar.gz");
        WriteManyEmptyFiles(archive, 100_000);

        await using var upload = System.IO.File.OpenRead(archive);
        var error = await Assert.ThrowsAsync<CodeArchiveException>(
            () => CodeArchive.ExtractAsync(upload, Target, CodeArchiveLimits.Default, CancellationToken.None).WaitAsync(Bound));

        // The folder "f" is the first of the 10,000; the refusal comes at the file that makes 10,001.
        Assert.Equal("the archive has more than 10000 entries; stopped at 'f/009999'", error.Message);
        Assert.True(upload.Position < upload.Length / 2, $"read {upload.Position} of {upload.Length} bytes");
        Assert.False(Path.Exists(Target));
    }

    [Fact]
    public async Task ContentOverTheUnpackedLimitIsRefusedAtTheFileThatPassesIt()
    {
        var limits = CodeArchiveLimits.Default with { MaxUnpackedBytes = 1000 };

        var one = await RefusedAsync(Of(File("ok.txt", "fine"), File("big.bin", new byte[1001])), "'big.bin'", limits);
        var two = await RefusedAsync(Of(File("a.bin", new byte[600]), File("b.bin", new byte[600])), "'b.bin'", limits);

        Assert.Contains("larger than 1000 bytes", one.Message);
        Assert.Contains("larger than 1000 bytes", two.Message);
        await ExtractAsync(Of(File("a.bin", new byte[500]), File("b.bin", new byte[500])), limits);
    }

    [Fact]
    public async Task AnUploadOverTheCompressedLimitIsRefused()
    {
        var limits = CodeArchiveLimits.Default with { MaxCompressedBytes = 10_000 };

        var error = await RefusedAsync(Of(File("ok.txt", "fine"), File("noise.bin", Noise(100_000))), "'noise.bin'", limits);

        Assert.StartsWith("the archive is larger than 10000 bytes", error.Message);
    }

    [Fact]
    public async Task AHeaderLargerThanAnyFunctionNeedsIsRefusedWhileItIsRead()
    {
        var archive = HugeGlobalHeader(96L << 20);

        var error = await RefusedAsync(archive, "the archive's tar headers and padding are larger than 67108864 bytes");

        Assert.True(archive.Length < 1 << 20, $"{archive.Length} bytes compressed");
    }

    [Fact]
    public async Task AHandMadeHeaderIsReadLikeTheWritersOwn()
    {
        // The huge-header test above means something only if its hand-made header is a valid one.
        await ExtractAsync(HugeGlobalHeader(512));

        Assert.Empty(Directory.GetFileSystemEntries(Target));
    }

    [Fact]
    public async Task GarbageIsNotAnArchive()
    {
        await RefusedAsync(Noise(10_000), "not a gzip-compressed tar archive");
        await RefusedAsync(Tarred([File("a.txt", "not compressed")]), "not a gzip-compressed tar archive");
        await RefusedAsync([], "not a gzip-compressed tar archive");
        await RefusedAsync(Gzipped(Noise(10_000)), "not a gzip-compressed tar archive");
    }

    [Fact]
    public async Task ATruncatedArchiveIsRefusedWhereverItIsCut()
    {
        var archive = Of(File("a.txt", "first"), File("b.bin", Noise(20_000)), File("c.txt", "last"));

        for (var cut = 1; cut < archive.Length; cut += 97)
        {
            var error = await RefusedAsync(archive[..cut], "not a gzip-compressed tar archive");
            Assert.True(cut < 100 || error.Message.Contains(".txt'") || error.Message.Contains("'b.bin'"), error.Message);
        }
    }

    [Fact]
    public async Task AFileCutShortIsNamed()
    {
        var archive = Of(File("a.txt", "first"), File("b.bin", Noise(20_000)), File("c.txt", "last"));

        var error = await RefusedAsync(archive[..(archive.Length / 2)], "'b.bin'");

        Assert.StartsWith("not a gzip-compressed tar archive", error.Message);
    }

    [Fact]
    public async Task ACorruptedByteAnywhereEndsInARefusalOrSuccessNeverAnotherError()
    {
        var entries = new TarEntry[] { Folder("src/"), File("src/a.js", "exports.a = 1;\n"), Link("b", "src/a.js"), File("c.bin", new byte[3000]) };
        var tar = Tarred(entries);
        var archive = Of(entries);
        var random = new Random(2718);

        for (var i = 0; i < 600; i++)
        {
            // Half corrupt the compressed bytes (gzip's checks), half the tar inside a sound gzip (the tar reader's).
            var corrupt = (byte[])(i % 2 == 0 ? archive : tar).Clone();
            corrupt[random.Next(corrupt.Length)] ^= (byte)random.Next(1, 256);
            if (i % 2 == 1)
            {
                corrupt = Gzipped(corrupt);
            }

            try
            {
                await ExtractAsync(corrupt);
                Directory.Delete(Target, recursive: true);
            }
            catch (CodeArchiveException)
            {
                Assert.False(Path.Exists(Target));
            }
        }
    }

    private async Task<CodeArchiveException> RefusedAsync(byte[] archive, string inMessage, CodeArchiveLimits? limits = null)
    {
        var error = await Assert.ThrowsAsync<CodeArchiveException>(() => ExtractAsync(archive, limits));
        Assert.Contains(inMessage, error.Message);
        Assert.False(Path.Exists(Target));
        Assert.Null(new FileInfo(Target).LinkTarget);
        return error;
    }

    private static byte[] Tarred(TarEntry[] entries)
    {
        var bytes = new MemoryStream();
        using (var writer = new TarWriter(bytes, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                entry.DataStream?.Seek(0, SeekOrigin.Begin);
                writer.WriteEntry(entry);
            }
        }

        return bytes.ToArray();
    }

    private static byte[] Gzipped(byte[] content)
    {
        var bytes = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(bytes, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return bytes.ToArray();
    }
}
