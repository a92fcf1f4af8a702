namespace Fnagent.Functions;

/// <summary>
/// Parses an <c>app.yml</c>: what an app holds beside its functions. Keys: <c>name</c>
/// (default: the name of the folder holding the file), <c>config</c> (merged under each of
/// its functions' own), <c>annotations</c>, <c>auth</c>. Pure: it reads no file.
/// </summary>
public static class AppFileParser
{
    /// <summary>Every key an app.yml may hold.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["name", "config", "annotations", "auth"];

    /// <summary>The app, or null and every problem found (added to <paramref name="errors"/>).</summary>
    public static AppDefinition? Parse(string path, ReadOnlySpan<byte> content, List<FunctionLoadError> errors)
    {
        // An empty app.yml is a valid one: the app of its folder, with nothing of its own.
        if (YamlFile.Decode(path, content, out var error) is not { } text)
        {
            errors.Add(error!);
            return null;
        }

        var root = text.Trim().Length == 0 ? new YamlDotNet.RepresentationModel.YamlMappingNode() : YamlFile.Load(path, text, "", out error);
        if (root is null)
        {
            errors.Add(error!);
            return null;
        }

        var unknown = new List<FunctionLoadError>();
        var reader = new FunctionFileReader(path, YamlFile.Values(path, root, Keys, unknown));
        var folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)) ?? "");
        var name = reader.Identifier("name");
        if (reader.Node("name") is null && !FunctionFileReader.IsIdentifier(folder))
        {
            reader.ErrorAt("name", null, $"required: the folder's name, {FunctionFileReader.Quote(folder)}, is not an app name (lower-case letters, digits, '-' or '_')");
        }

        var config = reader.Map("config", FunctionFileReader.EnvironmentName(), "environment variable names like API_URL", valuesAreHeaders: false);
        var annotations = reader.Annotations("annotations");
        var auth = reader.Auth("auth");
        var found = unknown.Concat(reader.Errors).ToList();
        if (found.Count > 0)
        {
            errors.AddRange(found.OrderBy(e => e.Line ?? 0));
            return null;
        }

        return new AppDefinition
        {
            Name = name ?? folder,
            Config = config ?? new Dictionary<string, string>(),
            Annotations = annotations ?? new Dictionary<string, string>(),
            Auth = auth ?? CallAuth.Open,
            SourceFile = Path.GetFullPath(path),
        };
    }
}
