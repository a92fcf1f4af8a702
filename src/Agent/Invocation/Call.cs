using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Processes;
using Fnagent.State;
using Microsoft.Extensions.Logging;

namespace Fnagent.Invocation;

/// <summary>One call in flight: what is called, with what, and where its record and log go.</summary>
public sealed class Call(FunctionDefinition function, FunctionRequest request, CallRecord record, CallLog log, ILogger logger) : ICallOutput
{
    public FunctionDefinition Function { get; } = function;

    public FunctionRequest Request { get; } = request;

    public CallRecord Record { get; } = record;

    public CallLog Log { get; } = log;

    /// <summary>Fires when the agent's shutdown grace is over (see <see cref="AgentShutdown"/>); none outside a serving agent.</summary>
    public CancellationToken ShutdownGraceOver { get; init; }

    private AgentLogAllowance _agentLog;

    /// <summary>
    /// The call has its process (or its place) after waiting since <paramref name="since"/>
    /// (a <see cref="System.Diagnostics.Stopwatch"/> timestamp): the wait adds to the record's,
    /// which for an async call already holds its time in the queue.
    /// </summary>
    public void Placed(long since, bool cold)
    {
        Record.QueueWait = (Record.QueueWait ?? TimeSpan.Zero) + System.Diagnostics.Stopwatch.GetElapsedTime(since);
        Record.Cold = cold;
        OnPlaced?.Invoke(Request.CallId);
    }

    /// <summary>What this call adds to its process's start (a Sonr function's binary and CID); null for most calls.</summary>
    public LaunchAdditions? Additions { get; init; }

    /// <summary>Told the call's id once it has its process, before the process gets it (an async call's start is recorded then).</summary>
    public Action<string>? OnPlaced { get; init; }

    /// <summary>
    /// A line of the function's output that belongs to this call: to the call's log and, up
    /// to the same cap (see <see cref="AgentLogAllowance"/>), the agent's.
    /// </summary>
    public void OnOutputLine(int pid, string line)
    {
        Log.Append(line);
        switch (_agentLog.Take(line, Log.MaxBytes))
        {
            case AgentLogAllowance.Verdict.Copy:
                logger.FunctionOutput(Function.App, Function.Name, Request.CallId, pid, line);
                break;
            case AgentLogAllowance.Verdict.Exhausted:
                logger.FunctionOutputNotCopied(Function.App, Function.Name, Request.CallId, pid, Log.MaxBytes);
                break;
        }
    }
}
