namespace Fnagent.Processes;

/// <summary>Where the output lines of a process go while it serves a call: the call's log (and, capped, the agent's).</summary>
public interface ICallOutput
{
    void OnOutputLine(int pid, string line);
}
