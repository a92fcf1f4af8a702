using System.Text.Json.Serialization;

namespace Fnagent.Api;

/// <summary>A page of apps, as Fn lists them: <c>next_cursor</c> only when there is a next page.</summary>
public sealed record AppList(IReadOnlyList<AppInfo> Items, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor);

/// <summary>A page of functions.</summary>
public sealed record FnList(IReadOnlyList<FnInfo> Items, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor);

/// <summary>A page of triggers.</summary>
public sealed record TriggerList(IReadOnlyList<TriggerInfo> Items, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor);
