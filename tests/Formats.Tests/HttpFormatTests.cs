using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Fnagent.Formats.Tests;

public class HttpFormatTests
{
    // What Python's BaseHTTPRequestHandler writes by default.
    private const string PythonResponse = "HTTP/1.0 200 OK\r\nServer: BaseHTTP/0.6 Python/3.12.3\r\nDate: Sat, 21 Nov 2026 08:30:00 GMT\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\n\r\nhello world\n";

    // What node's http module writes for res.write() without a length.
    private const string NodeChunkedResponse = "HTTP/1.1 201 Created\r\nX-Powered-By: node\r\nContent-Type: application/json\r\nDate: Sat, 21 Nov 2026 08:30:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n{\"a\":1\r\n1\r\n}\r\n0\r\n\r\n";

    private const string ChunkedWithExtensionsAndTrailers = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value;x=\"q\"\r\nhello\r\nA ; ext\r\n, chunked!\r\n0;last\r\nX-Trailer: t\r\nOther: u\r\n\r\n";

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task ReadParsesAPythonHttp10ResponseWithServerAndDateHeaders(Feed feed)
    {
        await using var response = await new HttpFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(PythonResponse), feed), default).Bounded();
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.ContentType);
        Assert.Equal(12, response.ContentLength);
        Assert.Equal("BaseHTTP/0.6 Python/3.12.3", response.Headers.Get("server"));
        Assert.Equal("Sat, 21 Nov 2026 08:30:00 GMT", response.Headers.Get("Date"));
        Assert.False(response.Headers.Contains("Content-Length"));
        Assert.False(response.CloseRequested);
        Assert.Equal("hello world\n", await Input.ReadBodyAsync(response));
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task ReadParsesANodeChunkedResponse(Feed feed)
    {
        await using var response = await new HttpFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(NodeChunkedResponse), feed), default).Bounded();
        Assert.Equal(201, response.StatusCode);
        Assert.Equal("application/json", response.ContentType);
        Assert.Null(response.ContentLength);
        Assert.Equal("node", response.Headers.Get("X-Powered-By"));
        Assert.False(response.Headers.Contains("Keep-Alive"));
        Assert.False(response.Headers.Contains("Connection"));
        Assert.False(response.Headers.Contains("Transfer-Encoding"));
        Assert.Equal("{\"a\":1}", await Input.ReadBodyAsync(response));
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task ReadIgnoresChunkExtensionsAndTrailers(Feed feed)
    {
        var reader = Input.Reader(Input.Bytes(ChunkedWithExtensionsAndTrailers + PythonResponse), feed);
        var format = new HttpFormat();
        await using (var response = await format.ReadResponseAsync(Input.Post, reader, default).Bounded())
        {
            Assert.Equal("hello, chunked!", await Input.ReadBodyAsync(response));
            Assert.False(response.Headers.Contains("X-Trailer"));
        }

        // The trailers were consumed and nothing more: the next response parses.
        await using var next = await format.ReadResponseAsync(Input.Post, reader, default).Bounded();
        Assert.Equal("hello world\n", await Input.ReadBodyAsync(next));
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task ABodyNeverReadsPastTheEndOfItsMessage(Feed feed)
    {
        var reader = Input.Reader(Input.Bytes(PythonResponse + NodeChunkedResponse + "HTTP/1.1 204 No Content\r\n\r\n" + PythonResponse), feed);
        var format = new HttpFormat();
        var bodies = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            await using var response = await format.ReadResponseAsync(Input.Post, reader, default).Bounded();
            bodies.Add(await Input.ReadBodyAsync(response));
        }

        Assert.Equal(["hello world\n", "{\"a\":1}", "", "hello world\n"], bodies);
        await Input.ThrowsViolation(FormatError.IncompleteResponse, () => format.ReadResponseAsync(Input.Post, reader, default).Bounded());
    }

    [Theory]
    [InlineData("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n", 204)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", 304)]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 204)]
    public async Task BodilessStatusesNeedNoFraming(string text, int status)
    {
        foreach (var feed in new[] { Feed.OneSegment, Feed.BytePerSegment, Feed.BytewisePipe })
        {
            await using var response = await new HttpFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(text), feed), default).Bounded();
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(string.Empty, await Input.ReadBodyAsync(response));
        }
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task AResponseToAHeadRequestHasNoBodyWhateverItsLength(Feed feed)
    {
        var reader = Input.Reader(Input.Bytes("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n" + PythonResponse), feed);
        var format = new HttpFormat();
        await using (var head = await format.ReadResponseAsync(Input.Head, reader, default).Bounded())
        {
            Assert.Equal(12, head.ContentLength);
            Assert.Equal(string.Empty, await Input.ReadBodyAsync(head));
        }

        await using var next = await format.ReadResponseAsync(Input.Post, reader, default).Bounded();
        Assert.Equal("hello world\n", await Input.ReadBodyAsync(next));
    }

    [Fact]
    public async Task WriteNeverLetsAHeaderValueStartALineOfItsOwn()
    {
        var headers = new FunctionHeaders();
        headers.Add("X-Evil", "a\r\nFn_call_id: spoofed\r\n\r\nGET / HTTP/1.1");
        var written = await WriteAsync(Request(new MemoryStream(), 0, headers));
        Assert.Contains("X-Evil: a  Fn_call_id: spoofed    GET / HTTP/1.1\r\n", written);
        Assert.Single(written.Split("\r\n\r\n"), part => part.Length > 0);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbody")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nbody")]
    public async Task AResponseWithoutFramingIsAProtocolViolation(string text)
    {
        var e = await Input.ThrowsViolation(FormatError.NoFraming, () => new HttpFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(text), Feed.OneSegment), default).Bounded());
        Assert.StartsWith("invalid http response from function", e.Message);
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task HeaderNamesAreCaseInsensitive(Feed feed)
    {
        var text = "HTTP/1.1 200 OK\r\ncontent-length: 3\r\nCONTENT-TYPE: text/csv\r\nconnection: Keep-Alive, CLOSE\r\nx-ONE: 1\r\nX-one: 2\r\n\r\nabc";
        await using var response = await new HttpFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(text), feed), default).Bounded();
        Assert.Equal(3, response.ContentLength);
        Assert.Equal("text/csv", response.ContentType);
        Assert.True(response.CloseRequested);
        Assert.True(response.Headers.TryGetValues("X-One", out var values));
        Assert.Equal(["1", "2"], values);
        Assert.Equal("abc", await Input.ReadBodyAsync(response));
    }

    [Fact]
    public async Task ChunkedWinsOverContentLengthWithMixedCaseCoding()
    {
        var text = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
        await using var response = await new HttpFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(text), Feed.BytePerSegment), default).Bounded();
        Assert.Equal("ok", await Input.ReadBodyAsync(response));
    }

    [Theory]
    [InlineData(PythonResponse)]
    [InlineData(NodeChunkedResponse)]
    public void EveryProperPrefixOfAHeadNeedsMoreData(string text)
    {
        var bytes = Input.Bytes(text);
        var headLength = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        var reader = new HttpResponseHeadReader(FormatLimits.Default);
        for (var length = 0; length < headLength; length++)
        {
            foreach (var feed in new[] { Feed.OneSegment, Feed.BytePerSegment })
            {
                var prefix = Input.Sequence(bytes[..length], feed);
                SequencePosition consumed = prefix.Start, examined = prefix.Start;
                Assert.False(reader.TryParseMessage(prefix, ref consumed, ref examined, out _));
                Assert.Equal(prefix.Start, consumed);
                Assert.Equal(prefix.End, examined);
            }
        }

        var whole = Input.Sequence(bytes, Feed.BytePerSegment);
        SequencePosition c = whole.Start, x = whole.Start;
        Assert.True(reader.TryParseMessage(whole, ref c, ref x, out _));
        Assert.Equal(headLength, whole.Slice(0, c).Length);
    }

    [Theory]
    [InlineData(PythonResponse)]
    [InlineData(NodeChunkedResponse)]
    [InlineData(ChunkedWithExtensionsAndTrailers)]
    public async Task OutputEndingMidMessageIsAnIncompleteResponse(string text)
    {
        var bytes = Input.Bytes(text);
        for (var length = 0; length < bytes.Length; length++)
        {
            var reader = Input.Reader(bytes[..length], length % 2 == 0 ? Feed.OneSegment : Feed.BytePerSegment);
            await Input.ThrowsViolation(FormatError.IncompleteResponse, async () =>
            {
                await using var response = await new HttpFormat().ReadResponseAsync(Input.Post, reader, default).Bounded();
                await Input.ReadBodyAsync(response);
            });
        }
    }

    [Theory]
    [InlineData("HTTP/1.1 2OO OK\r\n\r\n")]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("hello from print()\nHTTP/1.1 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nName : space before colon\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: a\u0001b\r\n\r\n")]
    [InlineData("\r\nHTTP/1.1 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\n\r\n")]
    public async Task MalformedHeadsAreInvalidHttp(string text)
    {
        foreach (var feed in new[] { Feed.OneSegment, Feed.BytePerSegment, Feed.BytewisePipe })
        {
            var e = await Input.ThrowsViolation(FormatError.InvalidHttp, () => new HttpFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(text), feed), default).Bounded());
            Assert.Equal("invalid http response from function", e.Message);
        }
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;ext\r\nhello\r\n0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\nhello\r\n0\r\n\r\n")]
    public async Task MalformedChunksAreInvalidHttp(string text)
    {
        foreach (var feed in new[] { Feed.OneSegment, Feed.BytePerSegment, Feed.BytewisePipe })
        {
            await using var response = await new HttpFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(text), feed), default).Bounded();
            await Input.ThrowsViolation(FormatError.InvalidHttp, () => Input.ReadBodyAsync(response));
        }
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task ALineOverTheLineLimitIsInvalidHttp(Feed feed)
    {
        var format = new HttpFormat(new FormatLimits { MaxLineLength = 64 });
        var text = "HTTP/1.1 200 OK\r\nX-Long: " + new string('a', 100) + "\r\nContent-Length: 0\r\n\r\n";
        var e = await Input.ThrowsViolation(FormatError.InvalidHttp, () => format.ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(text), feed), default).Bounded());
        Assert.Contains("longer than 64", e.Detail);
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task AHeadOverTheHeadLimitIsTooLarge(Feed feed)
    {
        var format = new HttpFormat(new FormatLimits { MaxHeadSize = 200 });
        var text = "HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"X-H{i}: value\r\n")) + "Content-Length: 0\r\n\r\n";
        await Input.ThrowsViolation(FormatError.ResponseTooLarge, () => format.ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(text), feed), default).Bounded());
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", false)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n", true)]
    public async Task ABodyOverTheResponseLimitIsTooLarge(string head, bool chunked)
    {
        var format = new HttpFormat(new FormatLimits { MaxResponseSize = 100 });
        var text = head + new string('a', chunked ? 100 : 101) + (chunked ? "\r\n1\r\nb\r\n0\r\n\r\n" : string.Empty);
        var e = await Input.ThrowsViolation(FormatError.ResponseTooLarge, async () =>
        {
            await using var response = await format.ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(text), Feed.BytePerSegment), default).Bounded();
            await Input.ReadBodyAsync(response);
        });
        Assert.Equal("function response too large (limit 100 bytes)", e.Message);
    }

    [Fact]
    public async Task DisposingABodyBeforeItsEndJustStops()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Input.Bytes("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc")).Bounded();
        var response = await new HttpFormat().ReadResponseAsync(Input.Post, pipe.Reader, default).Bounded();
        var buffer = new byte[10];
        Assert.Equal(3, await response.Body.ReadAsync(buffer).Bounded());
        await response.DisposeAsync().Bounded();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => response.Body.ReadAsync(buffer).Bounded());
    }

    [Fact]
    public async Task WriteSendsContentLengthAndDropsHopByHopHeaders()
    {
        var headers = new FunctionHeaders();
        headers.Add("Host", "example.com");
        headers.Add("Connection", "keep-alive");
        headers.Add("Keep-Alive", "timeout=5");
        headers.Add("TE", "trailers");
        headers.Add("Upgrade", "h2c");
        headers.Add("Proxy-Authorization", "secret");
        headers.Add("Content-Length", "5");
        headers.Add("fn_call_id", "spoofed");
        headers.Add("Accept", "a");
        headers.Add("accept", "b");
        var request = Request(new MemoryStream(Input.Bytes("hello")), 5, headers);
        var written = await WriteAsync(request);
        Assert.Equal(
            "POST /r/app/hello?q=1 HTTP/1.1\r\nHost: example.com\r\nAccept: a\r\nAccept: b\r\nFn_call_id: 01CALL\r\nFn_deadline: 2026-01-30T16:52:39.786Z\r\nFn_method: POST\r\nFn_request_url: http://example.com/r/app/hello?q=1\r\nContent-Length: 5\r\n\r\nhello",
            written);
    }

    [Fact]
    public async Task WriteSendsABodyOfUnknownLengthChunked()
    {
        var body = new byte[40000];
        Array.Fill(body, (byte)'z');
        var written = await WriteAsync(Request(new MemoryStream(body), null, new FunctionHeaders()));
        Assert.Contains("\r\nTransfer-Encoding: chunked\r\n\r\n4000\r\n", written);
        Assert.EndsWith("\r\n0\r\n\r\n", written);

        // What the agent writes, its own reader decodes.
        var response = Input.Bytes("HTTP/1.1 200 OK" + written[written.IndexOf("\r\nTransfer", StringComparison.Ordinal)..]);
        await using var parsed = await new HttpFormat().ReadResponseAsync(Input.Post, Input.Reader(response, Feed.OneSegment), default).Bounded();
        Assert.Equal(new string('z', 40000), await Input.ReadBodyAsync(parsed));
    }

    [Fact]
    public async Task WriteSendsASmallBodyOfUnknownLengthWithAContentLength()
    {
        var written = await WriteAsync(Request(new MemoryStream(Input.Bytes("tiny")), null, new FunctionHeaders()));
        Assert.EndsWith("\r\nContent-Length: 4\r\n\r\ntiny", written);
        Assert.DoesNotContain("chunked", written);
    }

    [Fact]
    public async Task WriteFailsWhenTheBodyIsShorterThanItsContentLength()
    {
        await Assert.ThrowsAsync<IOException>(() => WriteAsync(Request(new MemoryStream(new byte[3]), 5, new FunctionHeaders())));
    }

    private static FunctionRequest Request(Stream body, long? length, FunctionHeaders headers) => new()
    {
        CallId = "01CALL",
        Method = "POST",
        RequestUrl = "http://example.com/r/app/hello?q=1",
        Target = "/r/app/hello?q=1",
        Deadline = new DateTimeOffset(2026, 1, 30, 16, 52, 39, 786, TimeSpan.Zero),
        Headers = headers,
        ContentLength = length,
        Body = body,
    };

    private static async Task<string> WriteAsync(FunctionRequest request)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await new HttpFormat().WriteRequestAsync(request, pipe.Writer, default).Bounded();
        pipe.Writer.Complete();
        using var copy = new MemoryStream();
        await pipe.Reader.CopyToAsync(copy).Bounded();
        return Encoding.Latin1.GetString(copy.ToArray());
    }
}
