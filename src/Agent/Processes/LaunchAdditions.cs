namespace Fnagent.Processes;

/// <summary>
/// What one call adds to the start of its (cold) process: words after the function's
/// command, environment entries over its own, and files bound read-only at their own paths
/// into its sandbox. A Sonr function's call gets its binary, its CID and its parameters this
/// way (docs/protocols.md §9).
/// </summary>
public sealed record LaunchAdditions(IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<string> ReadOnlyFiles);
