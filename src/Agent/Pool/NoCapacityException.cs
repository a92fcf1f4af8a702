namespace Fnagent.Pool;

/// <summary>No process of the function became free within the queue wait.</summary>
public sealed class NoCapacityException(int maxConcurrency, TimeSpan waited)
    : Exception($"no capacity: all {maxConcurrency} processes busy for {waited.TotalSeconds:0.###}s");
