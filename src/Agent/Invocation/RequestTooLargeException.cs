namespace Fnagent.Invocation;

/// <summary>Thrown by a request body stream when the caller sends more than the limit allows.</summary>
public sealed class RequestTooLargeException(long limit) : IOException($"request body too large (limit {limit} bytes)")
{
    public long Limit { get; } = limit;
}
