using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Fnagent.Direktiv;

/// <summary>
/// The input of Direktiv's command runner (docs/protocols.md §8):
/// <c>{"files":[{"name","content","permission"}],"data":{"commands":[{"command","envs":[{"name","value"}],
/// "stop","suppress_command","suppress_output"}]}}</c>, or <c>commands</c> at the top.
/// Read as Go's encoding/json reads it, since functions were written against that: names
/// match case-insensitively, unknown fields and nulls are ignored, a wrong type is an error.
/// An empty body is no commands at all. Immutable.
/// </summary>
public sealed record DirektivCommandInput(IReadOnlyList<DirektivCommandInput.File> Files, IReadOnlyList<DirektivCommandInput.Command> Commands)
{
    public sealed record File(string Name, string Content, uint Permission);

    public sealed record Command(string Text, IReadOnlyList<KeyValuePair<string, string>> Envs, bool Stop, bool SuppressCommand, bool SuppressOutput);

    public static bool TryParse(ReadOnlyMemory<byte> json, [NotNullWhen(true)] out DirektivCommandInput? input)
    {
        input = null;
        if (json.IsEmpty)
        {
            input = new DirektivCommandInput([], []);
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Null)
            {
                input = new DirektivCommandInput([], []);
                return true;
            }

            Expect(root, JsonValueKind.Object);
            var files = Array(root, "files").Select(ReadFile).ToList();
            var data = Property(root, "data");
            var holder = data is { ValueKind: JsonValueKind.Object } d ? d : root;
            if (data is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
            {
                throw new FormatException("data is not an object");
            }

            input = new DirektivCommandInput(files, Array(holder, "commands").Select(ReadCommand).ToList());
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return false;
        }
    }

    private static File ReadFile(JsonElement element) => new(
        Text(element, "name"),
        Text(element, "content"),
        Property(element, "permission") is { ValueKind: JsonValueKind.Number } p ? p.GetUInt32() : NullOr(element, "permission", 0u));

    private static Command ReadCommand(JsonElement element) => new(
        Text(element, "command"),
        Array(element, "envs").Select(env => KeyValuePair.Create(Text(env, "name"), Text(env, "value"))).ToList(),
        Flag(element, "stop"),
        Flag(element, "suppress_command"),
        Flag(element, "suppress_output"));

    private static JsonElement? Property(JsonElement element, string name)
    {
        Expect(element, JsonValueKind.Object);
        JsonElement? found = null;
        foreach (var property in element.EnumerateObject())
        {
            if (property.NameEquals(name))
            {
                return property.Value;
            }

            if (found is null && string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                found = property.Value;
            }
        }

        return found;
    }

    private static IEnumerable<JsonElement> Array(JsonElement element, string name)
    {
        var value = Property(element, name);
        if (value is null || value.Value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        Expect(value.Value, JsonValueKind.Array);
        return value.Value.EnumerateArray().ToList();
    }

    private static string Text(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : NullOr(element, name, "");

    private static bool Flag(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.True or JsonValueKind.False } value ? value.GetBoolean() : NullOr(element, name, false);

    /// <summary>The zero value when the field is absent or null; a field of another type is an error.</summary>
    private static T NullOr<T>(JsonElement element, string name, T zero) =>
        Property(element, name) is null or { ValueKind: JsonValueKind.Null } ? zero : throw new FormatException($"{name} has the wrong type");

    private static void Expect(JsonElement element, JsonValueKind kind)
    {
        if (element.ValueKind != kind)
        {
            throw new FormatException($"expected {kind}, got {element.ValueKind}");
        }
    }
}
