using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Fnagent.Formats.Tests;

[CollectionDefinition(nameof(StreamingMemoryTests), DisableParallelization = true)]
public class StreamingMemoryCollection
{
}

/// <summary>Large bodies stream through a few buffers (DESIGN.md non-negotiables); run alone so allocation counts are this test's.</summary>
[Collection(nameof(StreamingMemoryTests))]
public class StreamingMemoryTests
{
    private const long BodySize = 100L * 1024 * 1024;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AHundredMegabyteHttpBodyStreamsThroughWithBoundedMemory(bool chunked)
    {
        // A pipe with its default back-pressure, like a process's stdout: the function can only
        // write ahead of the reader by a few buffers.
        var pipe = new Pipe();
        var format = new HttpFormat(new FormatLimits { MaxResponseSize = long.MaxValue });
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var writer = Task.Run(async () =>
        {
            var head = chunked ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" : $"HTTP/1.1 200 OK\r\nContent-Length: {BodySize}\r\n\r\n";
            await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(head));
            var block = new byte[60000];
            var chunkHead = Encoding.ASCII.GetBytes($"{block.Length:x}\r\n");
            for (long sent = 0; sent < BodySize;)
            {
                var size = (int)Math.Min(block.Length, BodySize - sent);
                if (chunked)
                {
                    pipe.Writer.Write(size == block.Length ? chunkHead : Encoding.ASCII.GetBytes($"{size:x}\r\n"));
                    pipe.Writer.Write(block.AsSpan(0, size));
                    pipe.Writer.Write("\r\n"u8);
                }
                else
                {
                    pipe.Writer.Write(block.AsSpan(0, size));
                }

                sent += size;
                await pipe.Writer.FlushAsync();
            }

            if (chunked)
            {
                await pipe.Writer.WriteAsync("0\r\n\r\n"u8.ToArray());
            }

            // More output after the message: it must stay in the pipe.
            await pipe.Writer.WriteAsync("NEXT"u8.ToArray());
        });

        await using var response = await format.ReadResponseAsync(Input.Post, pipe.Reader, default).Bounded();
        var buffer = new byte[32 * 1024];
        long total = 0;
        int read;
        while ((read = await response.Body.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30))) > 0)
        {
            total += read;
        }

        await writer.WaitAsync(TimeSpan.FromSeconds(30));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(BodySize, total);
        Assert.True(allocated < 16 * 1024 * 1024, $"allocated {allocated} bytes to stream {BodySize}");
        var next = await pipe.Reader.ReadAsync().Bounded();
        Assert.Equal("NEXT", Encoding.ASCII.GetString(next.Buffer.ToArray()));
        pipe.Reader.AdvanceTo(next.Buffer.End);
    }
}
