using System.Net;

namespace Fnagent.Agent.Tests.Hot;

/// <summary>
/// Answers that carry a Content-Length but no body (RFC 9110 §9.3.2 for HEAD, §15.4.5 for
/// 304): the agent answers at once, and the process, having written all it owed, serves the
/// next call. Reading the named length would wait for bytes that never come.
/// </summary>
public sealed class BodilessAnswerTests(HotFixture fixture) : IClassFixture<HotFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AHeadAnswerWithAContentLengthIsAnsweredAtOnceAndTheProcessServesTheNextCall()
    {
        using var bounded = new CancellationTokenSource(Bound);
        using var head = await fixture.Agent.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "r/hot/http-bodiless"), bounded.Token);
        var (next, nextBody) = await fixture.PostAsync("r/hot/http-bodiless", "next");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(5, head.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("next", nextBody);
        Assert.Equal(await fixture.Agent.PidOfAsync(head), await fixture.Agent.PidOfAsync(next));
    }

    [Fact]
    public async Task ANotModifiedAnswerWithAContentLengthIsAnsweredAtOnceAndTheProcessServesTheNextCall()
    {
        using var bounded = new CancellationTokenSource(Bound);
        using var notModified = await fixture.Agent.Client.PostAsync("r/hot/http-bodiless", new StringContent("notmodified"), bounded.Token);
        var (next, nextBody) = await fixture.PostAsync("r/hot/http-bodiless", "next");

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("next", nextBody);
        Assert.Equal(await fixture.Agent.PidOfAsync(notModified), await fixture.Agent.PidOfAsync(next));
    }
}
