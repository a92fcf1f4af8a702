namespace Fnagent.Api;

/// <summary>The one error shape of the agent (docs/protocols.md §7): <c>{"error":{"message":"...","code":"..."}}</c>, code only when set.</summary>
public sealed record ErrorAnswer(ErrorDetail Error);

