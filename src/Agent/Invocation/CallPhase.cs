namespace Fnagent.Invocation;

/// <summary>Where a call was when something went wrong; a stopped call's error names it (<see cref="FunctionErrors"/>).</summary>
public enum CallPhase
{
    /// <summary>In line for a process (a hot pool's, or a cold place under <c>max_concurrency</c>), or starting one.</summary>
    WaitingForProcess,

    /// <summary>In line for a Direktiv function's instance, or starting it.</summary>
    WaitingForFunction,

    /// <summary>Exchanging the request and the answer with the process.</summary>
    MidCall,
}
