using System.Text;

namespace Fnagent.Formats.Tests;

/// <summary>What an FDK's status means (docs/protocols.md §5), read three ways each.</summary>
public class HttpStreamFormatTests
{
    // What @fnproject/fdk writes for a function that returns a body and sets a status and a header.
    private const string Answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nFn-Http-Status: 201\r\nFn-Http-H-X-Custom: yes\r\nFn-Fdk-Version: fdk-node/0.0.13\r\nContent-Length: 7\r\n\r\n{\"a\":1}";

    // What it writes for a function that throws.
    private const string Failed = "HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\nContent-Length: 53\r\n\r\n{\"message\":\"Exception in function\",\"detail\":\"boom!!\"}";

    private const string TimedOut = "HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 9\r\n\r\ntoo late!";

    private const string Next = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext";

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task A200IsTheFunctionsAnswerAsTheCallerSeesIt(Feed feed)
    {
        await using var response = await new HttpStreamFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(Answer), feed), default).Bounded();

        Assert.Equal(ResponseKind.Answer, response.Kind);
        Assert.Equal(201, response.StatusCode);
        Assert.Equal("yes", response.Headers.Get("X-Custom"));
        Assert.False(response.Headers.Contains("Fn-Fdk-Version"));
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(7, response.ContentLength);
        Assert.Null(response.Report);
        Assert.Equal("{\"a\":1}", await Input.ReadBodyAsync(response));
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task A502IsTheFunctionsFailureWithItsErrorBodyReadToItsEnd(Feed feed)
    {
        var reader = Input.Reader(Input.Bytes(Failed + Next), feed);
        var format = new HttpStreamFormat();
        await using (var failed = await format.ReadResponseAsync(Input.Post, reader, default).Bounded())
        {
            Assert.Equal(ResponseKind.FunctionFailed, failed.Kind);
            Assert.Equal("Exception in function: boom!!", failed.Report);
        }

        // The connection is clean for the next call.
        await using var next = await format.ReadResponseAsync(Input.Post, reader, default).Bounded();
        Assert.Equal(ResponseKind.Answer, next.Kind);
        Assert.Equal("next", await Input.ReadBodyAsync(next));
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task A504IsTheFdksReportThatTheDeadlinePassed(Feed feed)
    {
        await using var response = await new HttpStreamFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(TimedOut), feed), default).Bounded();

        Assert.Equal(ResponseKind.TimedOut, response.Kind);
        Assert.Equal(504, response.StatusCode);
    }

    [Theory]
    [InlineData("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found", 404, "not found")]
    [InlineData("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 15\r\n\r\n{\"message\":\"x\"}", 500, "x")]
    [InlineData("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 201, "")]
    public async Task AnyOtherStatusIsOneTheFormatDoesNotAllowWithItsBodyAsTheReport(string text, int status, string report)
    {
        foreach (var feed in new[] { Feed.OneSegment, Feed.BytePerSegment, Feed.BytewisePipe })
        {
            var reader = Input.Reader(Input.Bytes(text + Next), feed);
            var format = new HttpStreamFormat();
            await using (var response = await format.ReadResponseAsync(Input.Post, reader, default).Bounded())
            {
                Assert.Equal(ResponseKind.StatusNotAllowed, response.Kind);
                Assert.Equal(status, response.StatusCode);
                Assert.Equal(report, response.Report);
            }

            await using var next = await format.ReadResponseAsync(Input.Post, reader, default).Bounded();
            Assert.Equal("next", await Input.ReadBodyAsync(next));
        }
    }

    [Fact]
    public async Task AReportIsKeptUpToItsBoundAndTheRestIsStillRead()
    {
        var body = new string('x', HttpStreamFormat.MaxReportBytes + 1000);
        var text = $"HTTP/1.1 502 Bad Gateway\r\nContent-Length: {body.Length}\r\n\r\n{body}" + Next;
        var reader = Input.Reader(Encoding.UTF8.GetBytes(text), Feed.OneSegment);
        var format = new HttpStreamFormat();
        await using (var failed = await format.ReadResponseAsync(Input.Post, reader, default).Bounded())
        {
            Assert.Equal(HttpStreamFormat.MaxReportBytes, failed.Report!.Length);
        }

        await using var next = await format.ReadResponseAsync(Input.Post, reader, default).Bounded();
        Assert.Equal("next", await Input.ReadBodyAsync(next));
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task AnFnHttpStatusThatIsNotAStatusBreaksTheFormat(Feed feed)
    {
        var text = "HTTP/1.1 200 OK\r\nFn-Http-Status: two hundred\r\nContent-Length: 0\r\n\r\n";
        await Input.ThrowsViolation(FormatError.InvalidHttp,
            () => new HttpStreamFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(text), feed), default).Bounded());
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task TheCallersHeadStillGetsTheFdksBodyRead(Feed feed)
    {
        // The FDK was sent POST /call, whatever the caller's method: its answer has a body.
        var reader = Input.Reader(Input.Bytes(Answer + Next), feed);
        var format = new HttpStreamFormat();
        await using (var head = await format.ReadResponseAsync(Input.Head, reader, default).Bounded())
        {
            Assert.Equal("{\"a\":1}", await Input.ReadBodyAsync(head));
        }

        await using var next = await format.ReadResponseAsync(Input.Head, reader, default).Bounded();
        Assert.Equal("next", await Input.ReadBodyAsync(next));
    }
}
