using System.IO.Pipelines;

namespace Fnagent.Formats.Tests;

public class DefaultFormatTests
{
    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task ReadStreamsTheOutputToItsEndAsTheBody(Feed feed)
    {
        var output = "line one\nline two\n{not json, not http}\n";
        await using var response = await new DefaultFormat().ReadResponseAsync(Input.Post, Input.Reader(Input.Bytes(output), feed), default).Bounded();
        Assert.Equal(200, response.StatusCode);
        Assert.Null(response.ContentLength);
        Assert.Equal(output, await Input.ReadBodyAsync(response));
    }

    [Theory]
    [MemberData(nameof(Input.AllFeeds), MemberType = typeof(Input))]
    public async Task EmptyOutputIsAnEmptyBody(Feed feed)
    {
        await using var response = await new DefaultFormat().ReadResponseAsync(Input.Post, Input.Reader([], feed), default).Bounded();
        Assert.Equal(string.Empty, await Input.ReadBodyAsync(response));
    }

    [Fact]
    public async Task OutputOverTheResponseLimitIsTooLarge()
    {
        var format = new DefaultFormat(new FormatLimits { MaxResponseSize = 10 });
        await using var response = await format.ReadResponseAsync(Input.Post, Input.Reader(new byte[11], Feed.BytewisePipe), default).Bounded();
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

    [Fact]
    public void TheCallsHeadGoesIntoTheEnvironment()
    {
        var headers = new FunctionHeaders();
        headers.Add("Content-Type", "text/plain");
        headers.Add("X-User", "alice");
        headers.Add("X_User", "mallory");
        headers.Add("Accept", "a");
        headers.Add("Accept", "b");
        headers.Add("Bad Name", "dropped");
        headers.Add("PATH", "/evil");
        var environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin" };
        var request = new FunctionRequest
        {
            CallId = "01CALL",
            Method = "PUT",
            RequestUrl = "http://h/r/a/b?q=1",
            Target = "/r/a/b?q=1",
            Deadline = new DateTimeOffset(2026, 1, 30, 16, 52, 39, 786, TimeSpan.Zero),
            Headers = headers,
        };

        new DefaultFormat().AddCallEnvironment(environment, request);

        Assert.Equal(new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin",
            ["FN_CALL_ID"] = "01CALL",
            ["FN_DEADLINE"] = "2026-01-30T16:52:39.786Z",
            ["FN_METHOD"] = "PUT",
            ["FN_REQUEST_URL"] = "http://h/r/a/b?q=1",
            ["FN_HEADER_CONTENT_TYPE"] = "text/plain",
            ["FN_HEADER_X_USER"] = "alice, mallory",
            ["FN_HEADER_ACCEPT"] = "a, b",
            ["FN_HEADER_PATH"] = "/evil",
        }, environment);
    }

    [Theory]
    [InlineData("x-custom-1", "FN_HEADER_X_CUSTOM_1")]
    [InlineData("A_b-C", "FN_HEADER_A_B_C")]
    [InlineData("", null)]
    [InlineData("x.y", null)]
    [InlineData("é", null)]
    public void AHeaderNamesOneVariableOrNone(string header, string? variable) =>
        Assert.Equal(variable, DefaultFormat.HeaderVariable(header));
}
