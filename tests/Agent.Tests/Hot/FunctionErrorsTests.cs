using Fnagent.Formats;
using Fnagent.Invocation;
using Fnagent.Pool;
using Fnagent.Processes;

namespace Fnagent.Agent.Tests.Hot;

/// <summary>The one mapping from exceptions to the caller's error kinds (docs/protocols.md §7).</summary>
public sealed class FunctionErrorsTests
{
    public static TheoryData<Exception, CallPhase, FunctionErrorKind> Known => new()
    {
        { new NoCapacityException(4, TimeSpan.FromSeconds(1)), CallPhase.WaitingForProcess, FunctionErrorKind.NoCapacity },
        { new ProcessStartException("no such file"), CallPhase.WaitingForProcess, FunctionErrorKind.StartFailed },
        { new FunctionStartException(timedOut: true, "function failed to start in time"), CallPhase.WaitingForProcess, FunctionErrorKind.Timeout },
        { new FunctionStartException(timedOut: false, "it exited"), CallPhase.WaitingForFunction, FunctionErrorKind.StartFailed },
        { new PoolRetiredException(), CallPhase.WaitingForProcess, FunctionErrorKind.NoCapacity },
        { new ObjectDisposedException("pool"), CallPhase.WaitingForFunction, FunctionErrorKind.NoCapacity },
        { new RequestTooLargeException(10), CallPhase.MidCall, FunctionErrorKind.RequestTooLarge },
        { new RequestBodyIncompleteException(FunctionErrorKind.RequestBodyTimeout, "too slow", null), CallPhase.MidCall, FunctionErrorKind.RequestBodyTimeout },
        { new FormatViolationException(FormatError.BodyNotUtf8), CallPhase.MidCall, FunctionErrorKind.UnsupportedBody },
        { new FormatViolationException(FormatError.RequestTooLarge), CallPhase.MidCall, FunctionErrorKind.RequestTooLarge },
        { new FormatViolationException(FormatError.ResponseTooLarge), CallPhase.MidCall, FunctionErrorKind.ResponseTooLarge },
        { new FormatViolationException(FormatError.InvalidJson), CallPhase.MidCall, FunctionErrorKind.ProtocolViolation },
    };

    [Theory]
    [MemberData(nameof(Known))]
    public void AKnownExceptionIsItsKindWhereverTheCallWas(Exception e, CallPhase phase, FunctionErrorKind kind) =>
        Assert.Equal(kind, FunctionErrors.From(e, null, phase)?.Kind);

    [Fact]
    public void AProcessThatFailedToStartSaysSo() =>
        Assert.Equal("function failed to start: no such file", FunctionErrors.From(new ProcessStartException("no such file"))?.Message);

    [Fact]
    public void ABrokenPipeOrADisposedProcessMidCallIsLeftToTheRunnerToExplain()
    {
        Assert.Null(FunctionErrors.From(new IOException("broken pipe")));
        Assert.Null(FunctionErrors.From(new ObjectDisposedException("process")));
        Assert.Null(FunctionErrors.From(new OperationCanceledException()));
    }

    [Fact]
    public void WhatEscapesToTheInvokerIsTheCallersBodyTheCallerLeavingOrAnInternalError()
    {
        var incomplete = new RequestBodyIncompleteException(FunctionErrorKind.RequestBodyIncomplete, "cut", null);
        Assert.Same(incomplete.Error, FunctionErrors.Escaped(incomplete, callerGone: true));
        Assert.Same(FunctionErrors.CallerGone, FunctionErrors.Escaped(new InvalidOperationException("x"), callerGone: true));
        Assert.Equal("internal error: x", FunctionErrors.Escaped(new InvalidOperationException("x"), callerGone: false).Message);
    }
}
