namespace Fnagent.Api;

/// <summary><c>GET /v1/functions</c>: what is served, by app then route, and the func.yml files that were rejected.</summary>
public sealed record FunctionListing(IReadOnlyList<ListedFunction> Functions, IReadOnlyList<FunctionProblem> Errors);
