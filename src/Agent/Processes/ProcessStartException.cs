namespace Fnagent.Processes;

/// <summary>The process could not be started at all (no such executable, not executable, fork failed).</summary>
public sealed class ProcessStartException(string message, Exception? inner = null) : Exception(message, inner);
