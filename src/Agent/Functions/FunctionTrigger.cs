namespace Fnagent.Functions;

/// <summary>
/// An HTTP trigger of a function (Fn's triggers, func.yml/func.yaml <c>triggers</c>): calls to
/// <c>/t/{app}{Source}</c> reach the function. <see cref="Source"/> is normalised like a route.
/// </summary>
public sealed record FunctionTrigger(string Name, string Type, string Source)
{
    /// <summary>The only trigger type: an HTTP path.</summary>
    public const string HttpType = "http";
}
