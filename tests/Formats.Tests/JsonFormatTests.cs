using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Fnagent.Formats.Tests;

public class JsonFormatTests
{
    private const string FdkResponse = "{\"body\":\"{\\\"message\\\":\\\"Hello \\u00e9\\\\n\\\"}\",\"content_type\":\"application/json\",\"protocol\":{\"status_code\":201,\"headers\":{\"X-Custom\":[\"a\",\"b\"]}}}\n";

    // Runs of backslashes before quotes and braces inside strings: only an unescaped quote ends a string.
    private const string TrickyEscapes = """{"body":"a\\\"}\\","x":"}\\\\","y":"\ud83d\ude00 \/"}""";

    private const string PrettyResponse = "{\n  \"body\": \"hi [not] {structure}\",\n  \"content_type\": \"text/plain\",\n  \"protocol\": {\n    \"status_code\": 404,\n    \"headers\": {}\n  }\n}\n";

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task ReadParsesAnFnFdkResponse(Feed feed)
    {
        await using var response = await new JsonFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(FdkResponse), feed), default).Bounded();
        Assert.Equal(201, response.StatusCode);
        Assert.Equal("application/json", response.ContentType);
        Assert.True(response.Headers.TryGetValues("x-custom", out var values));
        Assert.Equal(["a", "b"], values);
        Assert.Equal("{\"message\":\"Hello é\\n\"}", await Input.ReadBodyAsync(response));
        Assert.Null(response.Violation);
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task ReadParsesAPrettyPrintedResponseOverSeveralLines(Feed feed)
    {
        await using var response = await new JsonFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(PrettyResponse), feed), default).Bounded();
        Assert.Equal(404, response.StatusCode);
        Assert.Equal("text/plain", response.ContentType);
        Assert.Equal("hi [not] {structure}", await Input.ReadBodyAsync(response));
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task ReadAcceptsAnyWhitespaceBetweenObjects(Feed feed)
    {
        var format = new JsonFormat();
        var reader = Input.Reader(Input.Bytes(" \r\n{\"body\":\"one\"}\t\r\n \n{\"body\":\"two\"}\n\n"), feed);
        await using var first = await format.ReadResponseAsync(Input.Post, reader, default).Bounded();
        await using var second = await format.ReadResponseAsync(Input.Post, reader, default).Bounded();
        Assert.Equal("one", await Input.ReadBodyAsync(first));
        Assert.Equal("two", await Input.ReadBodyAsync(second));
    }

    [Fact]
    public async Task ReadAppliesDefaultsWhenOnlyBodyIsGiven()
    {
        await using var response = await new JsonFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes("{\"body\":\"\"}"), Feed.OneSegment), default).Bounded();
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(0, response.Headers.Count);
        Assert.Equal(0, response.ContentLength);
    }

    [Fact]
    public async Task ReadAcceptsASingleStringAsAHeaderValue()
    {
        var json = "{\"body\":\"x\",\"extra\":[1,{\"a\":null}],\"protocol\":{\"headers\":{\"X-One\":\"v\",\"Content-Type\":[\"text/csv\"]}}}";
        await using var response = await new JsonFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(json), Feed.OneSegment), default).Bounded();
        Assert.Equal("v", response.Headers.Get("X-One"));
        Assert.Equal("text/csv", response.ContentType);
        Assert.False(response.Headers.Contains("Content-Type"));
    }

    [Fact]
    public async Task ContentTypeFieldWinsOverAContentTypeHeader()
    {
        var json = "{\"body\":\"x\",\"content_type\":\"text/plain\",\"protocol\":{\"headers\":{\"content-type\":[\"text/csv\"]}}}";
        await using var response = await new JsonFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(json), Feed.OneSegment), default).Bounded();
        Assert.Equal("text/plain", response.ContentType);
        Assert.Equal(0, response.Headers.Count);
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task OnlyAnUnescapedQuoteEndsAString(Feed feed)
    {
        await using var response = await new JsonFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(TrickyEscapes), feed), default).Bounded();
        Assert.Equal("a\\\"}\\", await Input.ReadBodyAsync(response));
        Assert.Null(response.Violation);
    }

    [Fact]
    public async Task EscapesInTheBodyAreDecoded()
    {
        var json = "{\"body\":\"\\ud83d\\ude00 \\u00e9 \\/ \\b\\f\\r\\t\\\"\"}";
        await using var response = await new JsonFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(json), Feed.BytePerSegment), default).Bounded();
        Assert.Equal("\U0001F600 é / \b\f\r\t\"", await Input.ReadBodyAsync(response));
    }

    [Theory]
    [InlineData("{\"body\":\"\\ud83d\"}")]
    [InlineData("{\"body\":\"\\x\"}")]
    [InlineData("{\"body\":\"\\u12\"}")]
    [InlineData("{\"body\":\"tab\there\"}")]
    public async Task InvalidBodyStringsAreInvalidJson(string json)
    {
        foreach (var feed in new[] { Feed.OneSegment, Feed.BytePerSegment })
        {
            await Input.ThrowsViolation(FormatError.InvalidJson, () => new JsonFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(json), feed), default).Bounded());
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(99)]
    public async Task EscapesAndControlCharactersAreFoundAtAnyOffsetOfALongBody(int offset)
    {
        var text = new string('é', 50) + new string('a', 50);
        var escaped = text[..offset] + "\\\"" + text[offset..];
        await using (var response = await new JsonFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes("{\"body\":\"" + escaped + "\"}"), Feed.OneSegment), default).Bounded())
        {
            Assert.Equal(text[..offset] + "\"" + text[offset..], await Input.ReadBodyAsync(response));
        }

        var raw = "{\"body\":\"" + text[..offset] + "\u0001" + text[offset..] + "\"}";
        await Input.ThrowsViolation(FormatError.InvalidJson, () => new JsonFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(raw), Feed.OneSegment), default).Bounded());
    }

    [Fact]
    public async Task AFailedParseNeverLendsOutABodyBufferTwice()
    {
        var format = new JsonFormat();
        await Input.ThrowsViolation(FormatError.InvalidJson, () => format.ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes("{\"body\":\"abc\\x\"}"), Feed.OneSegment), default).Bounded());
        await using var one = await format.ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes("{\"body\":\"one\"}"), Feed.OneSegment), default).Bounded();
        await using var two = await format.ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes("{\"body\":\"two\"}"), Feed.OneSegment), default).Bounded();
        Assert.Equal("one", await Input.ReadBodyAsync(one));
        Assert.Equal("two", await Input.ReadBodyAsync(two));
    }

    [Fact]
    public async Task ABodyThatIsNotUtf8IsInvalidJson()
    {
        byte[] json = [.. Input.Bytes("{\"body\":\"a"), 0xC3, 0x28, .. Input.Bytes("\"}")];
        await Input.ThrowsViolation(FormatError.InvalidJson, () => new JsonFormat().ReadResponseAsync(Input.Post, Input.Reader(json, Feed.OneSegment), default).Bounded());
    }

    [Theory]
    [InlineData(FdkResponse)]
    [InlineData(PrettyResponse)]
    [InlineData(TrickyEscapes)]
    public void EveryProperPrefixOfAResponseNeedsMoreData(string text)
    {
        var bytes = Input.Bytes(text.TrimEnd('\n'));
        var growing = new JsonResponseReader();
        for (var length = 0; length < bytes.Length; length++)
        {
            foreach (var feed in new[] { Feed.OneSegment, Feed.BytePerSegment })
            {
                var prefix = Input.Sequence(bytes[..length], feed);
                SequencePosition consumed = prefix.Start, examined = prefix.Start;
                Assert.False(new JsonResponseReader().TryParseMessage(prefix, ref consumed, ref examined, out _));
                Assert.Equal(prefix.End, examined);
            }

            // The same reader fed a growing input, as the read loop does.
            var grown = Input.Sequence(bytes[..length], Feed.BytePerSegment);
            SequencePosition c = grown.Start, x = grown.Start;
            Assert.False(growing.TryParseMessage(grown, ref c, ref x, out _));
        }

        var whole = new ReadOnlySequence<byte>(bytes);
        SequencePosition wc = whole.Start, wx = whole.Start;
        Assert.True(growing.TryParseMessage(whole, ref wc, ref wx, out var message));
        Assert.Equal(whole.End, wc);
        Assert.False(message.Body.IsEmpty);
    }

    [Fact]
    public async Task OutputEndingMidObjectIsAnIncompleteResponse()
    {
        var bytes = Input.Bytes(FdkResponse);
        for (var length = 1; length < bytes.Length - 1; length++)
        {
            var reader = Input.Reader(bytes[..length], length % 2 == 0 ? Feed.OneSegment : Feed.BytePerSegment);
            var e = await Input.ThrowsViolation(FormatError.IncompleteResponse, () => new JsonFormat().ReadResponseAsync(Input.Post, reader, default).Bounded());
            Assert.Equal(Math.Min(length, 256), e.FirstBytes.Length);
        }
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task GarbageBeforeAnObjectIsInvalidJsonCarryingTheFirstBytes(Feed feed)
    {
        var reader = Input.Reader(Input.Bytes("\nhello from print()\n{\"body\":\"x\"}\n"), feed);
        var e = await Input.ThrowsViolation(FormatError.InvalidJson, () => new JsonFormat().ReadResponseAsync(Input.Post, reader, default).Bounded());
        Assert.Equal("invalid json response from function", e.Message);
        Assert.StartsWith("hello", Encoding.UTF8.GetString(e.FirstBytes.Span));
    }

    [Theory]
    [InlineData("{\"body\": hello}")]
    [InlineData("{\"content_type\":\"text/plain\"}")]
    [InlineData("{\"body\":42}")]
    [InlineData("{\"body\":\"x\",\"protocol\":{\"status_code\":\"200\"}}")]
    [InlineData("{\"body\":\"x\",\"protocol\":{\"status_code\":99}}")]
    [InlineData("{\"body\":\"x\",\"protocol\":{\"headers\":{\"A\":[1]}}}")]
    [InlineData("{\"body\":\"x\",}")]
    [InlineData("[\"body\"]")]
    public async Task MalformedObjectsAreInvalidJson(string json)
    {
        foreach (var feed in new[] { Feed.OneSegment, Feed.BytePerSegment })
        {
            var reader = Input.Reader(Input.Bytes(json + "\n"), feed);
            var e = await Input.ThrowsViolation(FormatError.InvalidJson, () => new JsonFormat().ReadResponseAsync(Input.Post, reader, default).Bounded());
            Assert.False(e.FirstBytes.IsEmpty);
        }
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task AnObjectOverTheLimitIsTooLarge(Feed feed)
    {
        var format = new JsonFormat(new FormatLimits { MaxResponseSize = 64 });
        var reader = Input.Reader(Input.Bytes("{\"body\":\"" + new string('a', 100) + "\"}"), feed);
        var e = await Input.ThrowsViolation(FormatError.ResponseTooLarge, () => format.ReadResponseAsync(Input.Post, reader, default).Bounded());
        Assert.Equal("function response too large (limit 64 bytes)", e.Message);
    }

    [Theory]
    [InlineData(Feed.OneSegment)]
    [InlineData(Feed.BytePerSegment)]
    public async Task BytesDirectlyAfterAResponseAreReportedNotSwallowed(Feed feed)
    {
        var reader = Input.Reader(Input.Bytes("{\"body\":\"ok\"}\nstray print\n"), feed);
        var format = new JsonFormat();
        await using var response = await format.ReadResponseAsync(Input.Post, reader, default).Bounded();
        Assert.Equal("ok", await Input.ReadBodyAsync(response));
        Assert.NotNull(response.Violation);
        Assert.Equal(FormatError.TrailingBytes, response.Violation.Error);
        Assert.Equal("stray print\n", Encoding.UTF8.GetString(response.Violation.FirstBytes.Span));
        Assert.True(format.HasPendingBytes(reader, out var pending));
        Assert.Equal("stray print\n", Encoding.UTF8.GetString(pending.Span));
    }

    [Fact]
    public async Task BytesArrivingAfterAResponseArePendingBeforeTheNextRequest()
    {
        var pipe = new Pipe();
        var format = new JsonFormat();
        await pipe.Writer.WriteAsync(Input.Bytes("{\"body\":\"ok\"}")).Bounded();
        await using var response = await format.ReadResponseAsync(Input.Post, pipe.Reader, default).Bounded();
        Assert.Null(response.Violation);
        await pipe.Writer.WriteAsync(Input.Bytes("\n")).Bounded();
        Assert.False(format.HasPendingBytes(pipe.Reader, out _));
        await pipe.Writer.WriteAsync(Input.Bytes("late")).Bounded();
        Assert.True(format.HasPendingBytes(pipe.Reader, out _));
    }

    [Fact]
    public async Task WriteProducesOneCompactLineAndABlankLine()
    {
        var headers = new FunctionHeaders();
        headers.Add("Content-Type", "application/json");
        headers.Add("X-Multi", "1");
        headers.Add("x-multi", "2");
        var request = new FunctionRequest
        {
            CallId = "01J0CALL",
            Method = "POST",
            RequestUrl = "http://host/r/myapp/hello?q=1",
            Target = "/r/myapp/hello?q=1",
            Deadline = new DateTimeOffset(2026, 1, 30, 16, 52, 39, 786, TimeSpan.Zero),
            Headers = headers,
            Body = new MemoryStream(Input.Bytes("{\"some\":\"input\"}\n<é>")),
        };
        var pipe = new Pipe();
        await new JsonFormat().WriteRequestAsync(request, pipe.Writer, default).Bounded();
        pipe.Writer.Complete();
        var written = await ReadAllAsync(pipe.Reader);
        Assert.Equal(
            "{\"call_id\":\"01J0CALL\",\"deadline\":\"2026-01-30T16:52:39.786Z\",\"content_type\":\"application/json\",\"body\":\"{\\\"some\\\":\\\"input\\\"}\\n<é>\",\"protocol\":{\"type\":\"http\",\"method\":\"POST\",\"request_url\":\"http://host/r/myapp/hello?q=1\",\"headers\":{\"Content-Type\":[\"application/json\"],\"X-Multi\":[\"1\",\"2\"]}}}\n\n",
            written);
    }

    [Fact]
    public async Task HeadersSpelledWithDashAndUnderscoreStayDistinctKeys()
    {
        // JSON keys are exact: unlike the default format's variables, X-User and X_User
        // never merge, so neither hides the other.
        var headers = new FunctionHeaders();
        headers.Add("X-User", "alice");
        headers.Add("X_User", "admin");
        var request = Request(new MemoryStream());
        request = new FunctionRequest
        {
            CallId = request.CallId, Method = request.Method, RequestUrl = request.RequestUrl, Target = request.Target,
            Deadline = request.Deadline, Body = request.Body, Headers = headers,
        };
        var pipe = new Pipe();
        await new JsonFormat().WriteRequestAsync(request, pipe.Writer, default).Bounded();
        pipe.Writer.Complete();
        using var document = System.Text.Json.JsonDocument.Parse(await ReadAllAsync(pipe.Reader));
        var written = document.RootElement.GetProperty("protocol").GetProperty("headers");
        Assert.Equal("alice", written.GetProperty("X-User")[0].GetString());
        Assert.Equal("admin", written.GetProperty("X_User")[0].GetString());
    }

    [Fact]
    public async Task WriteRefusesABodyThatIsNotUtf8()
    {
        var request = Request(new MemoryStream([0x7B, 0xFF, 0xFE]));
        var e = await Input.ThrowsViolation(FormatError.BodyNotUtf8, () => new JsonFormat().WriteRequestAsync(request, new Pipe().Writer, default).Bounded());
        Assert.Contains("http format", e.Message);
    }

    [Fact]
    public async Task WriteRefusesABodyOverTheRequestLimit()
    {
        var format = new JsonFormat(new FormatLimits { MaxRequestSize = 1000 });
        var request = Request(new MemoryStream(new byte[5000]));
        await Input.ThrowsViolation(FormatError.RequestTooLarge, () => format.WriteRequestAsync(request, new Pipe().Writer, default).Bounded());
    }

    [Fact]
    public async Task WrittenRequestsReadBackThroughAnFdkStyleParser()
    {
        // A large body crosses pooled buffer growth and pipe segments.
        var body = string.Concat(Enumerable.Repeat("line \"quoted\" \\ ü\n", 5000));
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await new JsonFormat().WriteRequestAsync(Request(new MemoryStream(Input.Bytes(body))), pipe.Writer, default).Bounded();
        pipe.Writer.Complete();
        var text = await ReadAllAsync(pipe.Reader);
        Assert.EndsWith("}\n\n", text);
        Assert.Equal(2, text.Count(c => c == '\n'));
        using var document = System.Text.Json.JsonDocument.Parse(text);
        Assert.Equal(body, document.RootElement.GetProperty("body").GetString());
    }

    private static FunctionRequest Request(Stream body) => new()
    {
        CallId = "c",
        Method = "POST",
        RequestUrl = "http://h/r/a/b",
        Target = "/r/a/b",
        Deadline = DateTimeOffset.UnixEpoch,
        Body = body,
    };

    private static async Task<string> ReadAllAsync(PipeReader reader)
    {
        using var copy = new MemoryStream();
        await reader.CopyToAsync(copy).Bounded();
        return Encoding.UTF8.GetString(copy.ToArray());
    }
}
