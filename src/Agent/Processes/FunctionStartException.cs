namespace Fnagent.Processes;

/// <summary>A process started but never became ready to serve (docs/protocols.md §5).</summary>
public sealed class FunctionStartException(bool timedOut, string message) : Exception(message)
{
    /// <summary>True for "did not become ready in time" (504); false for "exited" or "bad listener" (502).</summary>
    public bool TimedOut { get; } = timedOut;
}
