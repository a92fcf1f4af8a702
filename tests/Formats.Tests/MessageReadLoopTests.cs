using System.IO.Pipelines;

namespace Fnagent.Formats.Tests;

public class MessageReadLoopTests
{
    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task ReadThrowsIncompleteResponseWhenInputEndsBeforeAnyByte(Feed feed)
    {
        var reader = Input.Reader([], feed);
        var e = await Input.ThrowsViolation(FormatError.IncompleteResponse, () => MessageReadLoop.ReadAsync(reader, new JsonResponseReader(), 1000, default).Bounded());
        Assert.True(e.FirstBytes.IsEmpty);
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task ReadThrowsResponseTooLargeWhenNoMessageEndsWithinTheLimit(Feed feed)
    {
        var reader = Input.Reader(Input.Bytes("{\"body\":\"0123456789012345678901234567890123456789\"}"), feed);
        var e = await Input.ThrowsViolation(FormatError.ResponseTooLarge, () => MessageReadLoop.ReadAsync(reader, new JsonResponseReader(), 20, default).Bounded());
        Assert.Equal("function response too large (limit 20 bytes)", e.Message);
        Assert.Equal(20, e.FirstBytes.Length);
    }

    [Fact]
    public async Task ReadParsesAMessageOfExactlyTheLimit()
    {
        var bytes = Input.Bytes("{\"body\":\"x\"}");
        var message = await MessageReadLoop.ReadAsync(Input.Reader(bytes, Feed.BytewisePipe), new JsonResponseReader(), bytes.Length, default).Bounded();
        Assert.Equal("x"u8.ToArray(), message.Body.ToArray());
    }

    [Fact]
    public async Task HasPendingBytesReportsBytesWithoutConsumingThem()
    {
        var pipe = new Pipe();
        Assert.False(MessageReadLoop.HasPendingBytes(pipe.Reader));
        await pipe.Writer.WriteAsync(Input.Bytes("oops")).Bounded();
        Assert.True(MessageReadLoop.HasPendingBytes(pipe.Reader, skipWhitespace: false, out var first));
        Assert.Equal("oops"u8.ToArray(), first.ToArray());
        var again = await pipe.Reader.ReadAsync().Bounded();
        Assert.Equal(4, again.Buffer.Length);
        pipe.Reader.AdvanceTo(again.Buffer.End);
    }

    [Fact]
    public async Task HasPendingBytesIgnoresWhitespaceWhenAsked()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Input.Bytes("\r\n \n")).Bounded();
        Assert.False(new JsonFormat().HasPendingBytes(pipe.Reader, out _));
        await pipe.Writer.WriteAsync(Input.Bytes(" x")).Bounded();
        Assert.True(new JsonFormat().HasPendingBytes(pipe.Reader, out var first));
        Assert.Equal("x"u8.ToArray(), first.ToArray());
    }

    [Fact]
    public async Task ReadThrowsOperationCanceledWhenTokenFires()
    {
        var pipe = new Pipe();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new JsonFormat().ReadResponseAsync(Input.Post, pipe.Reader, cts.Token).Bounded());
    }
}
