using System.Text.Json.Serialization;

namespace Fnagent.Api;

/// <summary>The inside of <see cref="ErrorAnswer"/>.</summary>
public sealed record ErrorDetail(string Message, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code = null);
