using System.Text.Json.Serialization;

namespace Fnagent.Cli;

/// <summary>An app as the management API (<c>/v2/apps</c>) describes it; only the fields the CLI reads.</summary>
internal sealed record ManagedApp(string Id, string Name, Dictionary<string, string>? Config, string? Auth, DateTimeOffset? CreatedAt);

/// <summary>A function as <c>/v2/fns</c> describes it; only the fields the CLI reads.</summary>
internal sealed record ManagedFn(
    string Id,
    string Name,
    string AppId,
    string? Format,
    string? Type,
    string? Route,
    Dictionary<string, string>? Config,
    Dictionary<string, string>? Annotations,
    int? Version,
    DateTimeOffset? UpdatedAt);

/// <summary>A trigger as <c>/v2/triggers</c> describes it.</summary>
internal sealed record ManagedTrigger(string Id, string Name, string? Type, string? Source, Dictionary<string, string>? Annotations);

/// <summary>One page of a <c>/v2</c> listing; <see cref="NextCursor"/> is absent on the last page.</summary>
internal sealed record ManagedPage<T>(List<T>? Items, string? NextCursor);

/// <summary>The body of <c>POST /v2/apps</c> from the CLI.</summary>
internal sealed record NewApp(string Name);

/// <summary>The body of <c>POST /v2/fns</c> from deploy: the rest comes from the uploaded folder.</summary>
internal sealed record NewFn(string Name, string AppId);

/// <summary>A partial <c>PUT</c> of an app or fn that changes its config only (a key set to "" is removed).</summary>
internal sealed record ConfigChange(Dictionary<string, string> Config);

/// <summary>The answer to a detached <c>POST /invoke/{fn_id}</c>.</summary>
internal sealed record DetachedCall(string CallId);

/// <summary>Every non-2xx answer of the agent: <c>{"message", "error": {"message", "field"}}</c>.</summary>
internal sealed record ManagementError(string? Message, ManagementErrorDetail? Error);

internal sealed record ManagementErrorDetail(string? Message, string? Field);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ManagedApp))]
[JsonSerializable(typeof(ManagedFn))]
[JsonSerializable(typeof(ManagedPage<ManagedApp>))]
[JsonSerializable(typeof(ManagedPage<ManagedFn>))]
[JsonSerializable(typeof(ManagedPage<ManagedTrigger>))]
[JsonSerializable(typeof(NewApp))]
[JsonSerializable(typeof(NewFn))]
[JsonSerializable(typeof(ConfigChange))]
[JsonSerializable(typeof(DetachedCall))]
[JsonSerializable(typeof(ManagementError))]
internal sealed partial class ManagementJsonContext : JsonSerializerContext
{
}
