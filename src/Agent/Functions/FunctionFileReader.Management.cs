using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Functions;

/// <summary>The accessors of the keys the management API reads and writes: code, triggers, annotations, auth.</summary>
internal sealed partial class FunctionFileReader
{
    /// <summary>Where the function's code is: a folder under the func.yml's, or none yet.</summary>
    public sealed record Code(string Folder, bool HasCode);

    /// <summary>
    /// <c>code</c>: a relative folder inside <paramref name="home"/> (the management API's
    /// version folders, <c>.versions/3</c>), or <c>none</c>; null when absent.
    /// </summary>
    public Code? CodeFolder(string key, string home)
    {
        var text = Text(key, "a folder like .versions/1");
        if (text is null)
        {
            return null;
        }

        if (text == FunctionFileParser.NoCode)
        {
            return new Code(home, HasCode: false);
        }

        var parts = text.Split('/');
        if (Path.IsPathRooted(text) || text.Contains('\\') || text.Contains('\0') || parts.Any(p => p is "" or "." or ".."))
        {
            Error(key, Node(key), $"expected a folder inside the function's folder like \".versions/1\" (no '..', not absolute), or \"{FunctionFileParser.NoCode}\", got {Quote(text)}");
            return null;
        }

        return new Code(Path.Combine(home, text), HasCode: true);
    }

    /// <summary><c>triggers</c>: a list of <c>{name, type: http, source: /path}</c>, names and sources each used once.</summary>
    public IReadOnlyList<FunctionTrigger>? Triggers(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        if (node is not YamlSequenceNode list)
        {
            Error(key, node, $"expected a list of triggers like [{{name: hello, type: http, source: /hello}}], got {Describe(node)}");
            return null;
        }

        var triggers = new List<FunctionTrigger>();
        foreach (var item in list)
        {
            if (ReadTrigger(key, item) is not { } trigger)
            {
                return null;
            }

            if (triggers.Any(t => t.Name == trigger.Name || t.Source == trigger.Source))
            {
                Error(key, item, $"expected each trigger name and source once, got \"{trigger.Name}\" {trigger.Source} twice");
                return null;
            }

            triggers.Add(trigger);
        }

        return triggers;
    }

    private FunctionTrigger? ReadTrigger(string key, YamlNode item)
    {
        if (item is not YamlMappingNode entry)
        {
            Error(key, item, $"expected a trigger like {{name: hello, type: http, source: /hello}}, got {Describe(item)}");
            return null;
        }

        string? Field(string name) => entry.Children.TryGetValue(new YamlScalarNode(name), out var value) && value is YamlScalarNode { Value: { Length: > 0 } text } ? text : null;
        var unknown = entry.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value).FirstOrDefault(k => k is not ("name" or "type" or "source"));
        if (unknown is not null)
        {
            Error(key, item, $"unknown trigger key {Quote(unknown)}; known keys are name, type, source");
            return null;
        }

        var name = Field("name");
        if (name is null || !IdentifierPattern().IsMatch(name))
        {
            Error(key, item, $"expected a trigger name of lower-case letters, digits, '-' or '_', got {Quote(name ?? "nothing")}");
            return null;
        }

        var type = Field("type") ?? FunctionTrigger.HttpType;
        if (type != FunctionTrigger.HttpType)
        {
            Error(key, item, $"trigger \"{name}\": expected type \"{FunctionTrigger.HttpType}\", got {Quote(type)}");
            return null;
        }

        var source = Field("source");
        string? problem = null;
        if (source is null || !FunctionRoute.TryNormalize(source, out var normalized, out problem))
        {
            Error(key, item, $"trigger \"{name}\": expected a source path like /hello{(problem is null ? "" : $" ({problem})")}, got {Quote(source ?? "nothing")}");
            return null;
        }

        return new FunctionTrigger(name, type, normalized);
    }

    /// <summary>
    /// <c>annotations</c>, as Fn limits them: keys of printable ASCII without spaces, up to
    /// 128 bytes; values up to 512 characters.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Annotations(string key)
    {
        var map = Map(key, AnnotationKey(), "annotation keys of printable ASCII without spaces (at most 128)", valuesAreHeaders: false);
        if (map?.FirstOrDefault(kv => kv.Value.Length > MaxAnnotationValue) is { Key: { } tooLong })
        {
            Error(key, Node(key), $"expected the value of {Quote(tooLong)} to be at most {MaxAnnotationValue} characters");
            return null;
        }

        return map;
    }

    /// <summary><c>auth</c>: <c>none</c> (anyone may call) or <c>token</c> (the admin token is needed).</summary>
    public CallAuth? Auth(string key) => Text(key, "none or token") switch
    {
        null => null,
        "none" => CallAuth.Open,
        "token" => CallAuth.Token,
        var other => AuthError(key, other),
    };

    private CallAuth? AuthError(string key, string value)
    {
        Error(key, Node(key), $"expected \"none\" or \"token\", got {Quote(value)}");
        return null;
    }

    private const int MaxAnnotationValue = 512;

    [GeneratedRegex("^[\\x21-\\x7E]{1,128}$")]
    private static partial Regex AnnotationKey();
}
