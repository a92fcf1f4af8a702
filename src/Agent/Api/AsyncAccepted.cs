namespace Fnagent.Api;

/// <summary>202 to an async call: its id, under which <c>/v1/calls/{call_id}</c> shows its record and <c>/output</c> its output.</summary>
public sealed record AsyncAccepted(string CallId);
