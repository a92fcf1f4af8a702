namespace Fnagent.Management;

/// <summary>
/// An uploaded code archive was refused. The message names the entry and what is wrong with it, and is
/// meant for the API caller (a 400); it never holds a path of the agent's own filesystem.
/// </summary>
public sealed class CodeArchiveException(string message) : Exception(message);
