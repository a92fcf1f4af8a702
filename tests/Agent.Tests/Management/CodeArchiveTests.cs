using System.Diagnostics;
using System.Formats.Tar;
using Fnagent.Agent.Tests.Functions;
using Fnagent.Management;
using static Fnagent.Agent.Tests.Management.TestArchive;

namespace Fnagent.Agent.Tests.Management;

/// <summary>
/// The unpacker for uploaded function code: what it writes from a good archive, and (in the Refusals part)
/// that every unsafe or broken one is refused with a message naming the entry and nothing left behind.
/// </summary>
public sealed partial class CodeArchiveTests : IDisposable
{
    private const UnixFileMode Mode755 = (UnixFileMode)0b111_101_101;
    private const UnixFileMode Mode644 = (UnixFileMode)0b110_100_100;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();

    private string Target => Path.Combine(_folder.Path, "code");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task NestedFoldersAndFilesAreUnpackedAsTheyWere()
    {
        var archive = Of(
            new PaxGlobalExtendedAttributesTarEntry(new Dictionary<string, string> { ["comment"] = "written by git archive" }),
            Folder("src/"),
            Folder("src/lib/"),
            File("func.yml", "name: hello\n"),
            File("src/lib/a.js", "exports.a = 1;\n"),
            File("deep/er/b.txt", "implied folders\n"),
            Folder("deep/"),
            File("empty", ""));

        var (files, bytes) = await ExtractAsync(archive);

        Assert.Equal((4, 12L + 15 + 16), (files, bytes));
        Assert.Equal("name: hello\n", System.IO.File.ReadAllText(Path.Combine(Target, "func.yml")));
        Assert.Equal("exports.a = 1;\n", System.IO.File.ReadAllText(Path.Combine(Target, "src/lib/a.js")));
        Assert.Equal("implied folders\n", System.IO.File.ReadAllText(Path.Combine(Target, "deep/er/b.txt")));
        Assert.Equal(0, new FileInfo(Path.Combine(Target, "empty")).Length);
        Assert.Equal(["deep", "empty", "func.yml", "src"], Directory.GetFileSystemEntries(Target).Select(Path.GetFileName).Order());
        foreach (var folder in new[] { "", "src", "src/lib", "deep", "deep/er" })
        {
            Assert.Equal(Mode755, System.IO.File.GetUnixFileMode(Path.Combine(Target, folder)));
        }

        Assert.Equal(Mode644, System.IO.File.GetUnixFileMode(Path.Combine(Target, "func.yml")));
    }

    [Theory]
    [InlineData(0b111_101_101, 0b111_101_101)]
    [InlineData(0b111_100_100, 0b111_101_101)]
    [InlineData(0b110_100_101, 0b111_101_101)]
    [InlineData(0b110_000_000, 0b110_100_100)]
    [InlineData(0b110_110_110, 0b110_100_100)]
    [InlineData(0b111_111_111_111, 0b111_101_101)]
    [InlineData(0b110_110_100_100, 0b110_100_100)]
    public async Task AFileKeepsWhetherItIsExecutableAndNothingElseOfItsMode(int entryMode, int written)
    {
        await ExtractAsync(Of(File("run.sh", "#!/bin/sh\necho hi\n", (UnixFileMode)entryMode)));

        Assert.Equal((UnixFileMode)written, System.IO.File.GetUnixFileMode(Path.Combine(Target, "run.sh")));
    }

    [Fact]
    public async Task AnExecutableScriptFromTheArchiveRuns()
    {
        await ExtractAsync(Of(File("bin/hello", "#!/bin/sh\necho hello from the archive\n", Mode755)));

        using var process = Process.Start(new ProcessStartInfo(Path.Combine(Target, "bin/hello")) { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(Bound);
        await process.WaitForExitAsync().WaitAsync(Bound);

        Assert.Equal("hello from the archive\n", output);
    }

    [Fact]
    public async Task RelativeLinksThatStayInsideAreKeptEvenBeforeWhatTheyPointAt()
    {
        var archive = Of(
            Link("node_modules/.bin/hello", "../pkg/bin.js"),
            File("node_modules/pkg/bin.js", "console.log(1)\n", Mode755),
            Link("lib64", "lib"),
            Folder("lib/"),
            Link("lib/self", "."),
            Link("node_modules/pkg/up", "../.."));

        var (files, _) = await ExtractAsync(archive);

        Assert.Equal(1, files);
        Assert.Equal("../pkg/bin.js", new FileInfo(Path.Combine(Target, "node_modules/.bin/hello")).LinkTarget);
        Assert.Equal("console.log(1)\n", System.IO.File.ReadAllText(Path.Combine(Target, "node_modules/.bin/hello")));
        Assert.Equal("lib", new DirectoryInfo(Path.Combine(Target, "lib64")).LinkTarget);
        Assert.True(Directory.Exists(Path.Combine(Target, "node_modules/pkg/up/lib")));
    }

    [Fact]
    public async Task AnArchiveMadeByTheTarCommandWithItsDotSlashNamesIsUnpacked()
    {
        var source = Path.Combine(_folder.Path, "source");
        _folder.Write("source/func.yml", "name: hello\n");
        _folder.Write("source/node_modules/pkg/bin.js", "console.log(1)\n");
        System.IO.File.SetUnixFileMode(_folder.Write("source/run.sh", "#!/bin/sh\n"), Mode755);
        Directory.CreateDirectory(Path.Combine(source, "node_modules/.bin"));
        System.IO.File.CreateSymbolicLink(Path.Combine(source, "node_modules/.bin/x"), "../pkg/bin.js");
        var archive = Path.Combine(_folder.Path, "code.tar.gz");
        using (var tar = Process.Start("tar", ["-czf", archive, "-C", source, "."]))
        {
            await tar.WaitForExitAsync().WaitAsync(Bound);
            Assert.Equal(0, tar.ExitCode);
        }

        await using var upload = System.IO.File.OpenRead(archive);
        var (files, bytes) = await CodeArchive.ExtractAsync(upload, Target, CodeArchiveLimits.Default, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal((3, 12L + 15 + 10), (files, bytes));
        Assert.Equal("console.log(1)\n", System.IO.File.ReadAllText(Path.Combine(Target, "node_modules/.bin/x")));
        Assert.Equal(Mode755, System.IO.File.GetUnixFileMode(Path.Combine(Target, "run.sh")));
    }

    [Fact]
    public async Task AnExistingTargetIsRefusedAndLeftAsItWas()
    {
        _folder.Write("code/keep.txt", "mine");

        await Assert.ThrowsAsync<IOException>(() => ExtractAsync(Of(File("a.txt", "a"))));

        Assert.Equal("mine", System.IO.File.ReadAllText(Path.Combine(Target, "keep.txt")));
        Assert.False(System.IO.File.Exists(Path.Combine(Target, "a.txt")));
    }

    [Fact]
    public async Task CancellingMidwayLeavesNothing()
    {
        using var cancel = new CancellationTokenSource();
        var archive = Of(File("a.txt", "a"), File("b.bin", Noise(500_000)));
        await using var upload = new CountingReadStream(new MemoryStream(archive), read =>
        {
            if (read > 1000)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CodeArchive.ExtractAsync(upload, Target, CodeArchiveLimits.Default, cancel.Token).WaitAsync(Bound));

        Assert.False(Path.Exists(Target));
    }

    [Fact]
    public async Task AFailingUploadPassesItsOwnErrorThroughAndLeavesNothing()
    {
        var archive = Of(File("a.txt", "a"), File("b.bin", Noise(500_000)));
        await using var upload = new CountingReadStream(new MemoryStream(archive), read =>
        {
            if (read > 1000)
            {
                throw new IOException("the client went away");
            }
        });

        var error = await Assert.ThrowsAsync<IOException>(() => CodeArchive.ExtractAsync(upload, Target, CodeArchiveLimits.Default, CancellationToken.None).WaitAsync(Bound));

        Assert.Equal("the client went away", error.Message);
        Assert.False(Path.Exists(Target));
    }

    private Task<(int Files, long Bytes)> ExtractAsync(byte[] archive, CodeArchiveLimits? limits = null) =>
        CodeArchive.ExtractAsync(new MemoryStream(archive), Target, limits ?? CodeArchiveLimits.Default, CancellationToken.None).WaitAsync(Bound);
}
