namespace Fnagent.Invocation;

/// <summary>
/// What one call's exchange with a hot process established, and the one rule that turns it
/// into the process's fate. <c>HotRunner</c> only establishes the facts; an exchange that
/// ended in an exception established none of them (<c>default</c>): its process is discarded.
/// </summary>
/// <remarks>
/// The rule (docs/protocols.md §3–5), first match wins:
/// <code>
/// fact                                                  fate     why
/// nothing of the call reached it, nothing came back     Reuse    it is as it was (json's 415 refusal, §3)
/// it wrote bytes outside its answer                     Discard  they would reach the next call (§3)
/// the request was not written whole                     Discard  what it did not read would start the next call
/// the answer was not read to its end                    Discard  the rest would be read as the next answer
/// an error other than the function's own failure        Discard  a timeout, violation or abort leaves doubt (§5:
///   (FunctionError.KeepsProcess)                                 only an FDK's 502 lets it live on)
/// it asked to close (Connection: close)                 Retire   the call stands (§4)
/// otherwise                                             Reuse
/// </code>
/// </remarks>
public readonly record struct ExchangeFacts
{
    /// <summary>How the call failed, or null: the caller's error, not part of the rule unless it leaves doubt.</summary>
    public FunctionError? Error { get; init; }

    /// <summary>Nothing of the call reached the process and it wrote nothing back (a refusal before the first byte).</summary>
    public bool Untouched { get; init; }

    /// <summary>The whole request was written and flushed.</summary>
    public bool RequestWhole { get; init; }

    /// <summary>The answer (or the runtime's report) was read to its end.</summary>
    public bool AnswerWhole { get; init; }

    /// <summary>The process wrote bytes outside its answer: after it, or where an answer should be.</summary>
    public bool WroteOutsideAnswer { get; init; }

    /// <summary>The answer asked to end the conversation (http <c>Connection: close</c>).</summary>
    public bool CloseRequested { get; init; }

    /// <summary>The process's fate (see remarks).</summary>
    public ProcessFate Fate =>
        Untouched ? ProcessFate.Reuse
        : WroteOutsideAnswer || !RequestWhole || !AnswerWhole || Error is { KeepsProcess: false } ? ProcessFate.Discard
        : CloseRequested ? ProcessFate.Retire
        : ProcessFate.Reuse;
}
