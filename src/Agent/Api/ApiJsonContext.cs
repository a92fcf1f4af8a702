using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fnagent.Api;

/// <summary>
/// The JSON of the <c>/v1</c> API and <c>/health</c> (docs/protocols.md), source generated:
/// the agent writes these shapes and the CLI reads them with the same types. Names are
/// snake_case; absent values are written as <c>null</c>.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(HealthAnswer))]
[JsonSerializable(typeof(FunctionListing))]
[JsonSerializable(typeof(CallSummary))]
[JsonSerializable(typeof(CallListing))]
[JsonSerializable(typeof(ErrorAnswer))]
[JsonSerializable(typeof(AsyncAccepted))]
[JsonSerializable(typeof(AppInfo))]
[JsonSerializable(typeof(FnInfo))]
[JsonSerializable(typeof(TriggerInfo))]
[JsonSerializable(typeof(AppList))]
[JsonSerializable(typeof(FnList))]
[JsonSerializable(typeof(TriggerList))]
[JsonSerializable(typeof(ManagementError))]
[JsonSerializable(typeof(BlobStored))]
[JsonSerializable(typeof(SonrFunctionInfo))]
[JsonSerializable(typeof(SonrFunctionList))]
public sealed partial class ApiJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context the agent writes with: the escaping of ASP.NET's own JSON answers
    /// (relaxed: an API body, never embedded in HTML), so a quote in a message stays <c>\"</c>.
    /// Reading works with either.
    /// </summary>
    public static ApiJsonContext Answers { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
