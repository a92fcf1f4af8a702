namespace Fnagent.Api;

/// <summary>One served function of <see cref="FunctionListing"/>: its name, where it is called (<c>path</c>), its format and its func.yml.</summary>
public sealed record ListedFunction(string App, string Name, string Route, string Path, string Format, string File);
