namespace Fnagent.Api;

/// <summary><c>GET /health</c>: <c>{"status":"ok"}</c> while the agent serves.</summary>
public sealed record HealthAnswer(string Status);
