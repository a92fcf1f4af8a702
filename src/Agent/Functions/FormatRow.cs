using Fnagent.Formats;

namespace Fnagent.Functions;

/// <summary>
/// Everything that varies per format, in one row of <see cref="FunctionFormats"/>. Immutable.
/// </summary>
/// <param name="Format">The format's id, as <see cref="FunctionDefinition.Format"/> holds it.</param>
/// <param name="Name">Its name in func.yml and in <c>FN_FORMAT</c> (docs/protocols.md §1).</param>
/// <param name="Lifetime">Cold (a process per call) or hot (processes serve many calls).</param>
/// <param name="Transport">What its calls travel over.</param>
/// <param name="Runner">Which runner runs its calls.</param>
/// <param name="NewCodec">
/// Builds its codec (one per agent, with the agent's limits: <see cref="FormatCodecs"/>), or
/// null for a format whose runner speaks it with a library of its own (Direktiv: HttpClient).
/// </param>
public sealed record FormatRow(FunctionFormat Format, string Name, FormatLifetime Lifetime, FormatTransport Transport,
    FormatRunner Runner, Func<FormatLimits, IFunctionFormat>? NewCodec)
{
    /// <summary>
    /// Whether an answer with a known length up to <c>HotRunner.HoldBackBytes</c> is read whole
    /// before the caller gets its status, so that a function failing mid-body still gets its
    /// caller a clean 502 (http). json answers are whole by the time they are parsed.
    /// </summary>
    public bool HoldsBackSmallAnswers { get; init; }

    /// <summary>
    /// Whether bytes a process writes outside an answer are the function's own, which marks the
    /// function as one that writes late (its processes are then held back after every answer:
    /// docs/protocols.md §3). False over http-stream: there they come from the FDK's HTTP
    /// server (Node answers a connection idle past its headersTimeout with "408 Request
    /// Timeout"); discarding that process is enough, and a hold-back after every answer
    /// would throttle such a function (docs/performance.md, "What the safety rules cost").
    /// </summary>
    public bool LateBytesAreTheFunctions { get; init; } = true;
}
