namespace Fnagent.Functions;

/// <summary>Whether the caller waits for the answer (<c>sync</c>) or gets 202 and a call id (<c>async</c>).</summary>
public enum FunctionType
{
    Sync,
    Async,
}
