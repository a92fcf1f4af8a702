namespace Fnagent.Api;

/// <summary>A rejected func.yml of <see cref="FunctionListing"/>: the file, the key and line when known, and what is wrong.</summary>
public sealed record FunctionProblem(string File, string? Key, int? Line, string Message);
