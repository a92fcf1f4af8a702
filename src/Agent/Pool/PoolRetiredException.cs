namespace Fnagent.Pool;

/// <summary>The pool was retired (its func.yml changed or the agent is stopping) while a caller waited.</summary>
public sealed class PoolRetiredException() : Exception("the function was reloaded or the agent is stopping");
