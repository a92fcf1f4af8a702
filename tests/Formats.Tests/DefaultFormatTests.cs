using System.IO.Pipelines;

namespace Fnagent.Formats.Tests;

public class DefaultFormatTests
{
    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task ReadStreamsTheOutputToItsEndAsTheBody(Feed feed)
    {
        var output = "line one\nline two\n{not json, not http}\n";
        await using var response = await new DefaultFormat().ReadResponseAsync(Input.Reader(Input.Bytes(output), feed), default).Bounded();
        Assert.Equal(200, response.StatusCode);
        Assert.Null(response.ContentLength);
        Assert.Equal(output, await Input.ReadBodyAsync(response));
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task EmptyOutputIsAnEmptyBody(Feed feed)
    {
        await using var response = await new DefaultFormat().ReadResponseAsync(Input.Reader([], feed), default).Bounded();
        Assert.Equal(string.Empty, await Input.ReadBodyAsync(response));
    }

    [Fact]
    public async Task OutputOverTheResponseLimitIsTooLarge()
    {
        var format = new DefaultFormat(new FormatLimits { MaxResponseSize = 10 });
        await using var response = await format.ReadResponseAsync(Input.Reader(new byte[11], Feed.BytewisePipe), default).Bounded();
        await Input.ThrowsViolation(FormatError.ResponseTooLarge, () => Input.ReadBodyAsync(response));
    }

    [Fact]
    public async Task WriteCopiesTheBodyThenEndsTheInput()
    {
        var pipe = new Pipe();
        var request = new FunctionRequest
        {
            CallId = "c",
            Method = "POST",
            RequestUrl = "http://h/r/a/b",
            Target = "/r/a/b",
            Deadline = DateTimeOffset.UnixEpoch,
            Body = new MemoryStream(Input.Bytes("stdin bytes")),
        };
        var write = new DefaultFormat().WriteRequestAsync(request, pipe.Writer, default).AsTask();
        using var copy = new MemoryStream();
        await pipe.Reader.CopyToAsync(copy).Bounded();
        await write.Bounded();
        Assert.Equal("stdin bytes", System.Text.Encoding.UTF8.GetString(copy.ToArray()));
    }
}
