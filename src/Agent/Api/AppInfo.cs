namespace Fnagent.Api;

/// <summary>An app in Fn's v2 API (docs/management.md), with this agent's <c>auth</c>.</summary>
public sealed record AppInfo(
    string Id, string Name, IReadOnlyDictionary<string, string> Config, IReadOnlyDictionary<string, string> Annotations, string Auth,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
