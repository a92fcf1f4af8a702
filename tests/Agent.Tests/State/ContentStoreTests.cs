using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;
using Fnagent.State.Blobs;

namespace Fnagent.Agent.Tests.State;

/// <summary>The content store (docs/protocols.md §9): CIDs, and blobs over HTTP on a real agent and data folder.</summary>
public sealed class ContentStoreTests : IAsyncLifetime
{
    private const string Empty = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    private const string HelloWorld = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";

    private RunningAgent _agent = null!;

    public async Task InitializeAsync() => _agent = await RunningAgent.StartAsync(Path.Combine(RunningAgent.TestFunctions, "env"));

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    [Fact]
    public void KnownInputsHaveTheirKnownCids()
    {
        Assert.Equal(Empty, Cid.Of([]).Text);
        Assert.Equal(HelloWorld, Cid.Of("hello world"u8).Text);
        Assert.Equal(HelloWorld, Cid.TryParse(HelloWorld, out _)!.Text);
    }

    [Fact]
    public async Task RandomInputsGetTheCidsOfTheReferenceImplementation()
    {
        await NpmFunctions.EnsureInstalledAsync();
        var inputs = Enumerable.Range(0, 200).Select(i => RandomNumberGenerator.GetBytes(i * 7 % 1500)).ToList();
        var info = new ProcessStartInfo("node", [Path.Combine(RunningAgent.TestFunctions, "cid", "cids.mjs")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        using var node = Process.Start(info)!;
        var answer = node.StandardOutput.ReadToEndAsync();
        foreach (var input in inputs)
        {
            await node.StandardInput.WriteLineAsync(Convert.ToHexString(input));
        }

        node.StandardInput.Close();
        var reference = (await answer.WaitAsync(TimeSpan.FromSeconds(30))).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(reference, inputs.Select(input => Cid.Of(input).Text));
    }

    [Theory]
    [InlineData("QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco", "CIDv0")]
    [InlineData("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "raw codec")]
    [InlineData("BAFKREIFZJUT3TE2NHYEKKLSS27NH3K72YSCO7Y32KOAO5EEI66WOF36N5E", "base32 lower-case")]
    [InlineData("bafkrei!", "base32 lower-case")]
    [InlineData("zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", "base32 lower-case")]
    public async Task AStringThatIsNotACidOfTheStoreIs400(string cid, string said)
    {
        using var response = await _agent.Client.GetAsync($"v1/blobs/{cid}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(said, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABlobComesBackWithItsCidAsETagAndHeadSaysTheSame()
    {
        using var stored = await _agent.Client.PostAsync("v1/blobs", new StringContent("hello world"));
        using var got = await _agent.Client.GetAsync($"v1/blobs/{HelloWorld}");
        using var head = await _agent.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"v1/blobs/{HelloWorld}"));
        using var missing = await _agent.Client.GetAsync($"v1/blobs/{Cid.Of("never stored"u8).Text}");

        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.Equal($"/v1/blobs/{HelloWorld}", stored.Headers.Location!.OriginalString);
        Assert.Equal(HelloWorld, JsonDocument.Parse(await stored.Content.ReadAsStringAsync()).RootElement.GetProperty("cid").GetString());
        Assert.Equal("hello world", await got.Content.ReadAsStringAsync());
        Assert.Equal($"\"{HelloWorld}\"", got.Headers.ETag!.Tag);
        Assert.Equal((HttpStatusCode.OK, 11L, $"\"{HelloWorld}\""), (head.StatusCode, head.Content.Headers.ContentLength!.Value, head.Headers.ETag!.Tag));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task ALargeBlobStreamsBothWaysWithBoundedMemory()
    {
        // An agent of its own, so that its peak memory (VmHWM) is the blob's doing alone.
        const long size = 512L << 20;
        var folder = Directory.CreateTempSubdirectory("fnagent-blobs-").FullName;
        try
        {
            await using var agent = await ServeProcess.StartAsync(folder, null, "serve", "--functions", folder, "--urls", "http://127.0.0.1:0", "--data", Path.Combine(folder, "data"));
            Assert.True(agent.Address is not null, agent.Errors);
            using var client = new HttpClient { BaseAddress = agent.Address, Timeout = TimeSpan.FromMinutes(2) };
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var stored = await client.PostAsync("v1/blobs", new StreamContent(new PatternStream(size, hash)));
            var cid = JsonDocument.Parse(await stored.Content.ReadAsStringAsync()).RootElement.GetProperty("cid").GetString();

            using var got = await client.GetAsync($"v1/blobs/{cid}", HttpCompletionOption.ResponseHeadersRead);
            using var readBack = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var body = await got.Content.ReadAsStreamAsync())
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await body.ReadAsync(buffer)) > 0)
                {
                    readBack.AppendData(buffer, 0, read);
                }
            }

            var peakMb = long.Parse(File.ReadLines($"/proc/{agent.Pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
            Assert.Equal(Cid.OfDigest(hash.GetHashAndReset()).Text, cid);
            Assert.Equal(Cid.OfDigest(readBack.GetHashAndReset()).Text, cid);
            Assert.InRange(peakMb, 1, 250); // an idle agent takes about 100 MB; the blob is 512
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ABlobChangedOnDiskIs500NamingItsCidNeverItsBytes()
    {
        using var stored = await _agent.Client.PostAsync("v1/blobs", new StringContent("the real bytes"));
        var cid = Cid.Of("the real bytes"u8).Text;
        File.WriteAllText(Path.Combine(_agent.DataDirectory, "blobs", cid), "the wrong bytes");

        using var got = await _agent.Client.GetAsync($"v1/blobs/{cid}");
        var body = await got.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, got.StatusCode);
        Assert.Contains(cid, body, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABlobOverTheLimitIs413AndLeavesNothing()
    {
        await using var agent = await RunningAgent.StartAsync(Path.Combine(RunningAgent.TestFunctions, "env"), o => o.Limits.MaxBlobBytes = 1000);

        using var chunked = new StreamContent(new MemoryStream(new byte[1001]));
        using var refused = await agent.Client.PostAsync("v1/blobs", chunked);
        using var fits = await agent.Client.PostAsync("v1/blobs", new ByteArrayContent(new byte[1000]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
        Assert.Equal([Cid.Of(new byte[1000]).Text], Directory.GetFiles(Path.Combine(agent.DataDirectory, "blobs")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task DeleteRemovesABlob()
    {
        using var stored = await _agent.Client.PostAsync("v1/blobs", new StringContent("short-lived"));
        var cid = Cid.Of("short-lived"u8).Text;

        using var deleted = await _agent.Client.DeleteAsync($"v1/blobs/{cid}");
        using var again = await _agent.Client.GetAsync($"v1/blobs/{cid}");

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (deleted.StatusCode, again.StatusCode));
    }

    [Fact]
    public async Task StoringAndReadingAreOpenLikeCallsRemovingIsTheAdminsOnly()
    {
        const string token = "a-token-of-the-admin-0123456789";
        await using var agent = await RunningAgent.StartAsync(Path.Combine(RunningAgent.TestFunctions, "env"), o => o.AdminToken = token);

        using var stored = await agent.Client.PostAsync("v1/blobs", new StringContent("anyone's"));
        using var read = await agent.Client.GetAsync($"v1/blobs/{Cid.Of("anyone's"u8).Text}");
        using var refused = await agent.Client.DeleteAsync($"v1/blobs/{Cid.Of("anyone's"u8).Text}");
        using var delete = new HttpRequestMessage(HttpMethod.Delete, $"v1/blobs/{Cid.Of("anyone's"u8).Text}") { Headers = { { "Authorization", $"Bearer {token}" } } };
        using var deleted = await agent.Client.SendAsync(delete);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (stored.StatusCode, read.StatusCode));
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.NoContent), (refused.StatusCode, deleted.StatusCode));
    }

    /// <summary>A stream of <c>size</c> bytes of a repeating pattern, hashed as it is read; nothing held.</summary>
    private sealed class PatternStream(long size, IncrementalHash hash) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => size;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, size - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = (byte)((_position + i) * 31 % 251);
            }

            hash.AppendData(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
