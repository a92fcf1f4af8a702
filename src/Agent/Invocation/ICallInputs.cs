using Fnagent.Functions;
using Fnagent.Processes;

namespace Fnagent.Invocation;

/// <summary>
/// Where the calls of some functions get their input instead of their request body: a Sonr
/// function's is the content of the CID its target names, its binary and parameters what it
/// adds to its start (docs/protocols.md §9). Asked when an async call runs.
/// </summary>
public interface ICallInputs
{
    /// <summary>
    /// The input of a call of <paramref name="function"/> to <paramref name="target"/> (path and
    /// query as received); neither when its request body is its input; the error its call ends
    /// with when the input cannot be had.
    /// </summary>
    Task<(CallInput? Input, FunctionError? Error)> OpenAsync(FunctionDefinition function, string target, CancellationToken cancellationToken);
}

/// <summary>A call's input: the stream its process reads on stdin, its length, and what the call adds to the process's start.</summary>
public sealed record CallInput(Stream Body, long Length, LaunchAdditions Additions) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Body.DisposeAsync();
}
