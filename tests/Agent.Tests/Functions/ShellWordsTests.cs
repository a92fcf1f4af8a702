using Fnagent.Functions;

namespace Fnagent.Agent.Tests.Functions;

public sealed class ShellWordsTests
{
    [Theory]
    [InlineData("python3 func.py", new[] { "python3", "func.py" })]
    [InlineData("  a \t b\nc  ", new[] { "a", "b", "c" })]
    [InlineData("'hello world' x", new[] { "hello world", "x" })]
    [InlineData("'a\\b \"c\"'", new[] { "a\\b \"c\"" })]
    [InlineData("\"say \\\"hi\\\" \\\\ \\$HOME\"", new[] { "say \"hi\" \\ $HOME" })]
    [InlineData("\"keep \\n and \\a\"", new[] { "keep \\n and \\a" })]
    [InlineData("a\\ b c", new[] { "a b", "c" })]
    [InlineData("\\'x\\\"", new[] { "'x\"" })]
    [InlineData("pre'quoted'\"joined\"post", new[] { "prequotedjoinedpost" })]
    [InlineData("'' \"\" x", new[] { "", "", "x" })]
    [InlineData("echo $HOME * | grep x > out", new[] { "echo", "$HOME", "*", "|", "grep", "x", ">", "out" })]
    [InlineData("a\\\nb", new[] { "ab" })]
    [InlineData("", new string[0])]
    [InlineData("   ", new string[0])]
    public void SplitsWordsLikeAPosixShellWithoutExpandingAnything(string text, string[] expected)
    {
        Assert.Equal(expected, ShellWords.Split(text));
    }

    [Theory]
    [InlineData("echo 'open", "unterminated single quote at column 6")]
    [InlineData("echo \"open \\\"", "unterminated double quote at column 6")]
    [InlineData("echo \\", "ends with a lone backslash")]
    public void SplitRejectsUnterminatedQuotesAndALoneTrailingBackslash(string text, string message)
    {
        Assert.False(ShellWords.TrySplit(text, out _, out var error));
        Assert.Equal(message, error);
        Assert.Equal(message, Assert.Throws<FormatException>(() => ShellWords.Split(text)).Message);
    }
}
