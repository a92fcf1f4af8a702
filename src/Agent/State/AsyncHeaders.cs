using System.Text;
using System.Text.Json;

namespace Fnagent.State;

/// <summary>An async call's request headers as stored: a JSON array of <c>[name, [values...]]</c>, in request order.</summary>
internal static class AsyncHeaders
{
    public static string Write(IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> headers)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var (name, values) in headers)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(name);
                writer.WriteStartArray();
                foreach (var value in values)
                {
                    writer.WriteStringValue(value);
                }

                writer.WriteEndArray();
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public static IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray()
            .Select(pair => new KeyValuePair<string, IReadOnlyList<string>>(
                pair[0].GetString()!, pair[1].EnumerateArray().Select(v => v.GetString()!).ToList()))
            .ToList();
    }
}
