using Fnagent.Functions;

namespace Fnagent.Agent.Tests.Functions;

public sealed class FunctionRouteTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("//", "/")]
    [InlineData("/hello", "/hello")]
    [InlineData("/hello/", "/hello")]
    [InlineData("//a//b///", "/a/b")]
    [InlineData("/a/./b", "/a/b")]
    [InlineData("/Hello", "/Hello")]
    public void TryNormalizeRemovesEmptySegmentsAndTrailingSlashes(string route, string expected)
    {
        Assert.True(FunctionRoute.TryNormalize(route, out var normalized, out _));
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("hello", "must start with '/'")]
    [InlineData("", "must start with '/'")]
    [InlineData("/a/../b", "must not contain '..'")]
    [InlineData("/a?x=1", "must not contain a query or fragment ('?' or '#')")]
    [InlineData("/a#top", "must not contain a query or fragment ('?' or '#')")]
    [InlineData("/a b", "must not contain blanks or control characters")]
    public void TryNormalizeRejectsRoutesThatAreNotPlainPaths(string route, string message)
    {
        Assert.False(FunctionRoute.TryNormalize(route, out _, out var error));
        Assert.Equal(message, error);
    }
}
