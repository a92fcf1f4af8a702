using System.Net;
using System.Security.Cryptography;

namespace Fnagent.Agent.Tests.Cold;

public sealed class StreamingTests(ColdFixture fixture) : IClassFixture<ColdFixture>
{
    [Fact]
    public async Task FiftyMegabytesThroughCatComeBackByteIdentical()
    {
        var body = new byte[50 * 1024 * 1024];
        new Random(42).NextBytes(body);

        using var response = await fixture.Agent.Client.PostAsync("r/tests/cat", new ByteArrayContent(body));
        var echoed = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body.Length, echoed.Length);
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(echoed));
    }

    [Fact]
    public async Task ChunkedRequestOfUnknownLengthStreamsThrough()
    {
        var content = new StreamContent(new MemoryStream("hello chunked"u8.ToArray()));
        using var request = new HttpRequestMessage(HttpMethod.Post, "r/tests/cat") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await fixture.Agent.Client.SendAsync(request);

        Assert.Equal("hello chunked", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EmptyBodyGivesEmptyAnswer()
    {
        using var response = await fixture.Agent.Client.GetAsync("r/tests/cat");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }
}
