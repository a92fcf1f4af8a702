using Fnagent.Invocation;

namespace Fnagent.Agent.Tests.Hot;

/// <summary>The fate rule of a hot process, row by row (ExchangeFacts' remarks, docs/protocols.md §3–5).</summary>
public sealed class ExchangeFactsTests
{
    private static readonly ExchangeFacts Clean = new() { RequestWhole = true, AnswerWhole = true };
    private static readonly FunctionError Failed = new(FunctionErrorKind.FunctionFailed, "failed");
    private static readonly FunctionError TimedOut = new(FunctionErrorKind.Timeout, "timed out");
    private static readonly FunctionError NotUtf8 = new(FunctionErrorKind.UnsupportedBody, "not UTF-8");

    [Fact]
    public void AnExchangeThatEndedInAnExceptionEstablishedNothingAndDiscards() =>
        Assert.Equal(ProcessFate.Discard, default(ExchangeFacts).Fate);

    [Fact]
    public void ARefusalBeforeTheFirstByteReuses() =>
        Assert.Equal(ProcessFate.Reuse, new ExchangeFacts { Error = NotUtf8, Untouched = true }.Fate);

    [Fact]
    public void BytesOutsideTheAnswerDiscardEvenWhenTheCallStands() =>
        Assert.Equal(ProcessFate.Discard, (Clean with { WroteOutsideAnswer = true, CloseRequested = true }).Fate);

    [Fact]
    public void ARequestNotWrittenWholeDiscards() =>
        Assert.Equal(ProcessFate.Discard, (Clean with { RequestWhole = false }).Fate);

    [Fact]
    public void AnAnswerNotReadToItsEndDiscards() =>
        Assert.Equal(ProcessFate.Discard, (Clean with { AnswerWhole = false, Error = Failed }).Fate);

    [Fact]
    public void AnErrorThatLeavesDoubtDiscards() =>
        Assert.Equal(ProcessFate.Discard, (Clean with { Error = TimedOut }).Fate);

    [Fact]
    public void TheFunctionsOwnFailureWithEverythingReadReuses() =>
        Assert.Equal(ProcessFate.Reuse, (Clean with { Error = Failed }).Fate);

    [Fact]
    public void AskingToCloseRetires() =>
        Assert.Equal(ProcessFate.Retire, (Clean with { CloseRequested = true }).Fate);

    [Fact]
    public void ACleanExchangeReuses() => Assert.Equal(ProcessFate.Reuse, Clean.Fate);
}
