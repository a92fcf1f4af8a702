namespace Fnagent.Invocation;

/// <summary>Runs calls of one or more formats. Returns null on success, else the failure as a value.</summary>
public interface IFormatRunner
{
    /// <summary>
    /// Runs the call and streams the answer into <paramref name="response"/>. On failure it
    /// leaves no process of the call behind before returning the error; it writes errors to
    /// the response only when asked to by the caller of this method (the invoker does it).
    /// </summary>
    Task<FunctionError?> RunAsync(Call call, ICallResponse response, CancellationToken callerAborted);
}
