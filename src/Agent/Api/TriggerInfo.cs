namespace Fnagent.Api;

/// <summary>An HTTP trigger in Fn's v2 API: <c>/t/{app}{source}</c> calls the function <c>fn_id</c>.</summary>
public sealed record TriggerInfo(
    string Id, string Name, string AppId, string FnId, string Type, string Source, IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
