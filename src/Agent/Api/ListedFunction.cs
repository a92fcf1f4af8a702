namespace Fnagent.Api;

/// <summary>
/// One served function of <see cref="FunctionListing"/>: its name, where it is called (<c>path</c>),
/// its format, its file, its id in the v2 API, and what of its file was ignored (<c>notes</c>).
/// </summary>
public sealed record ListedFunction(string App, string Name, string Route, string Path, string Format, string File, string Id, IReadOnlyList<string> Notes);
