using System.Net;
using System.Text;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cold;

/// <summary>
/// The request body limit applies to the body itself: a chunked body is counted without
/// its chunk framing, exactly as the same bytes with a Content-Length are.
/// </summary>
public sealed class BodyLimitTests : IAsyncLifetime
{
    private const int Limit = 100_000;

    private RunningAgent _agent = null!;

    public async Task InitializeAsync() =>
        _agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, o => o.Limits.MaxRequestBodyBytes = Limit);

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    [Theory]
    [InlineData("/r/tests/cat", Limit - 1, 200)]
    [InlineData("/r/tests/cat", Limit, 200)]
    [InlineData("/r/tests/cat", Limit + 1, 413)]
    [InlineData("/r/hot/http-python", Limit - 1, 200)]
    [InlineData("/r/hot/http-python", Limit + 1, 413)]
    public async Task AChunkedBodyIsCountedWithoutItsFraming(string path, int size, int expected)
    {
        // 1,000-byte chunks: their framing (~700 bytes in all) is far more than the margin.
        using var caller = await RawCaller.ConnectAsync(_agent.Address);
        await caller.SendAsync("POST", path, ["Transfer-Encoding: chunked", "Connection: close"]);
        var body = Encoding.ASCII.GetBytes(new string('b', size));
        for (var offset = 0; offset < size; offset += 1000)
        {
            await caller.WriteAsync(TruncatedBodyTests.Chunk(body[offset..Math.Min(size, offset + 1000)]));
        }

        await caller.WriteAsync("0\r\n\r\n"u8.ToArray());

        var (status, _, answer) = await caller.ReadResponseAsync(TimeSpan.FromSeconds(30));

        Assert.True(status == expected, $"{size} bytes chunked: {status} {(status == 200 ? "" : answer)}");
        if (status == 413)
        {
            Assert.Equal($"request body too large (limit {Limit} bytes)", TruncatedBodyTests.ErrorMessage(answer));
        }
    }

    [Theory]
    [InlineData("/r/tests/cat", Limit - 1, HttpStatusCode.OK)]
    [InlineData("/r/tests/cat", Limit, HttpStatusCode.OK)]
    [InlineData("/r/tests/cat", Limit + 1, HttpStatusCode.RequestEntityTooLarge)]
    [InlineData("/r/hot/http-python", Limit, HttpStatusCode.OK)]
    [InlineData("/r/hot/http-python", Limit + 1, HttpStatusCode.RequestEntityTooLarge)]
    public async Task ABodyWithAContentLengthIsCountedTheSameWay(string path, int size, HttpStatusCode expected)
    {
        var body = new byte[size];
        Array.Fill(body, (byte)'b');

        using var response = await _agent.Client.PostAsync(path.TrimStart('/'), new ByteArrayContent(body));

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(size, (await response.Content.ReadAsByteArrayAsync()).Length);
        }
    }
}
