using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Management;

/// <summary>
/// The fields of a management request's JSON body written into a definition file, field
/// by field under the same name as the func.yml key, so that the file's own rules (the
/// parser) judge every value and name the field they refuse. Maps (<c>config</c>,
/// <c>annotations</c>, <c>headers</c>) are merged into the file's, and a key set to
/// <c>""</c> is removed, as Fn updates them; <c>null</c> removes a key.
/// </summary>
internal static class JsonFields
{
    private static readonly HashSet<string> Maps = ["config", "annotations", "headers"];

    /// <summary>The body's object, or a 400 when it is not one.</summary>
    public static JsonElement Object(JsonDocument? body)
    {
        if (body?.RootElement is not { ValueKind: JsonValueKind.Object } root)
        {
            throw ManagementProblem.BadInput("expected a JSON object as the body");
        }

        return root;
    }

    /// <summary>
    /// Writes the fields of <paramref name="body"/> that are in <paramref name="writable"/>
    /// into <paramref name="file"/>; fields in <paramref name="ignored"/> (Fn's own, or
    /// read-only ones a client may send back) are skipped; any other field is a 400.
    /// </summary>
    public static void Apply(JsonElement body, DefinitionFile file, IReadOnlyCollection<string> writable, IReadOnlyCollection<string> ignored)
    {
        foreach (var field in body.EnumerateObject())
        {
            if (ignored.Contains(field.Name))
            {
                continue;
            }

            if (!writable.Contains(field.Name))
            {
                throw ManagementProblem.BadInput($"unknown field; known fields are {string.Join(", ", writable)}", field.Name);
            }

            file.Set(field.Name, Maps.Contains(field.Name) && field.Value.ValueKind == JsonValueKind.Object
                ? Merge(field.Name, file.Get(field.Name) as YamlMappingNode, field.Value)
                : Node(field.Name, field.Value, nested: false));
        }
    }

    /// <summary>A string field of the body, or null when absent; a 400 when it is not a string.</summary>
    public static string? Text(JsonElement body, string name) => body.TryGetProperty(name, out var value) switch
    {
        false => null,
        true when value.ValueKind == JsonValueKind.String => value.GetString(),
        true when value.ValueKind == JsonValueKind.Null => null,
        _ => throw ManagementProblem.BadInput($"expected a string, got {Describe(value)}", name),
    };

    private static YamlMappingNode? Merge(string field, YamlMappingNode? current, JsonElement changes)
    {
        var merged = new YamlMappingNode();
        foreach (var entry in current?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
        {
            merged.Children[entry.Key] = entry.Value;
        }

        foreach (var entry in changes.EnumerateObject())
        {
            if (entry.Value.ValueKind is JsonValueKind.Null || (entry.Value.ValueKind == JsonValueKind.String && entry.Value.GetString() == ""))
            {
                merged.Children.Remove(new YamlScalarNode(entry.Name));
                continue;
            }

            merged.Children[new YamlScalarNode(entry.Name)] = Node(field, entry.Value, nested: true)!;
        }

        return merged.Children.Count == 0 ? null : merged;
    }

    private static YamlNode? Node(string field, JsonElement value, bool nested) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => Quoted(value.GetString()!),
        JsonValueKind.Number => new YamlScalarNode(value.GetRawText()),
        JsonValueKind.True => new YamlScalarNode("true"),
        JsonValueKind.False => new YamlScalarNode("false"),
        JsonValueKind.Array when !nested => new YamlSequenceNode(value.EnumerateArray().Select(item => Node(field, item, nested: true)
            ?? throw ManagementProblem.BadInput("expected no null in the list", field))),
        JsonValueKind.Object when !nested => Merge(field, null, value),
        _ => throw ManagementProblem.BadInput($"expected a string, number or true/false, got {Describe(value)}", field),
    };

    private static YamlScalarNode Quoted(string text) => new(text) { Style = ScalarStyle.DoubleQuoted };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => value.GetRawText().Length > 40 ? value.GetRawText()[..40] + "..." : value.GetRawText(),
    };
}
