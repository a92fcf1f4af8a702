using System.Text.Json.Serialization;

namespace Fnagent.Api;

/// <summary>
/// An error of the management API: the agent's shape, <c>{"error":{"message","field"}}</c>,
/// with the message also at the top, where Fn's own clients read it (<c>{"message"}</c>).
/// </summary>
public sealed record ManagementError(string Message, ManagementErrorDetail Error);

/// <summary>The inside of <see cref="ManagementError"/>: <c>field</c> names the request's field at fault, when one is.</summary>
public sealed record ManagementErrorDetail(string Message, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field);
