using YamlDotNet.RepresentationModel;

namespace Fnagent.Functions;

/// <summary>
/// Reads an Fn Project <c>func.yaml</c> (schema 20180708, as <c>fn init</c> writes it) as the
/// func.yml it amounts to, so a folder made for Fn is served unmodified:
/// <c>entrypoint</c> (then <c>cmd</c>) is the command, split like a func.yml's <c>cmd</c>
/// and never run through a shell; <c>format</c> defaults to <c>http-stream</c>, which every
/// current FDK speaks; the app is the name of the folder holding the function's folder;
/// <c>runtime: node</c> with a <c>package.json</c> builds with npm. Keys that only mean
/// something to Docker are ignored, each named in the function's notes, never an error.
/// </summary>
public static class FnFuncFileParser
{
    /// <summary>The file name of an Fn function's definition.</summary>
    public const string FileName = "func.yaml";

    /// <summary>The schema this reads; others are read the same way, with a note.</summary>
    public const string Schema = "20180708";

    // Keys with the same meaning in both files, read by the func.yml rules.
    private static readonly string[] Shared =
    [
        "name", "format", "type", "memory", "cpus", "timeout", "idle_timeout", "config", "annotations", "triggers",
        "route", "max_concurrency", "min_idle", "async_concurrency", "retries", "headers", "auth",
    ];

    private static readonly string[] Own = ["schema_version", "runtime", "entrypoint", "cmd"];

    // What Fn uses to build and ship an image; a process needs none of it.
    private static readonly string[] DockerOnly = ["version", "build_image", "run_image", "build", "content_type", "expects", "tests", "deploy", "signing_details", "path", "shape"];

    /// <summary>
    /// Parses the func.yaml at <paramref name="path"/>; <paramref name="folderHas"/> tells
    /// whether the function's folder holds a file (for the build a runtime needs).
    /// </summary>
    public static ParsedFunctionFile Parse(string path, ReadOnlySpan<byte> content, Func<string, bool> folderHas)
    {
        var (values, errors, notes) = Translate(path, content, folderHas, app: null);
        return values is null ? new ParsedFunctionFile(null, errors, null) : FunctionFileParser.Parse(path, values, errors, notes);
    }

    /// <summary>
    /// The func.yml keys the func.yaml at <paramref name="path"/> amounts to (null when it is
    /// not YAML at all), the problems found so far, and the notes; <paramref name="app"/>
    /// replaces the app its folder would give (an uploaded folder has none of its own).
    /// </summary>
    public static (Dictionary<string, YamlNode>? Values, List<FunctionLoadError> Errors, List<string> Notes) Translate(
        string path, ReadOnlySpan<byte> content, Func<string, bool> folderHas, string? app)
    {
        if (YamlFile.Decode(path, content, out var error) is not { } text
            || YamlFile.Load(path, text, "a func.yaml needs at least 'name' and 'entrypoint'", out error) is not { } root)
        {
            return (null, [error!], []);
        }

        var others = new List<string>();
        var values = YamlFile.Values(path, root, [.. Shared, .. Own], unknown: null, others);
        var errors = new List<FunctionLoadError>();
        var notes = new List<string>();
        var reader = new FunctionFileReader(path, values);

        var schema = reader.Text("schema_version", "a schema version");
        if (schema is not null && schema != Schema)
        {
            notes.Add($"schema_version {schema}: read as {Schema}");
        }

        var functionFolder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        var appFolder = app ?? Path.GetFileName(Path.GetDirectoryName(functionFolder) ?? "");
        values["app"] = new YamlScalarNode(appFolder);
        if (!FunctionFileReader.IsIdentifier(appFolder))
        {
            errors.Add(new FunctionLoadError(path, null, null,
                $"the app is the name of the folder holding the function's folder, {FunctionFileReader.Quote(appFolder)}, which is not an app name (lower-case letters, digits, '-' or '_')"));
        }

        var runtime = reader.Text("runtime", "a runtime name");
        if (Command(reader, runtime, errors) is { } argv)
        {
            values["cmd"] = new YamlSequenceNode(argv.Select(word => new YamlScalarNode(word)));
        }

        values["format"] = values.GetValueOrDefault("format") ?? new YamlScalarNode("http-stream");
        if (runtime == "node" && folderHas("package.json"))
        {
            string[] build = folderHas("package-lock.json") ? ["npm", "ci", "--no-audit", "--no-fund"] : ["npm", "install", "--no-audit", "--no-fund"];
            values["build"] = new YamlSequenceNode(build.Select(word => new YamlScalarNode(word)));
        }

        values.Remove("runtime");
        values.Remove("schema_version");
        values.Remove("entrypoint");
        var ignored = others.Where(k => DockerOnly.Contains(k)).ToList();
        if (ignored.Count > 0)
        {
            notes.Add($"{string.Join(", ", ignored)}: used by Fn to build a Docker image; ignored here, the function runs as a process");
        }

        notes.AddRange(others.Except(ignored).Select(k => $"{k}: not a func.yaml key this agent knows; ignored"));
        errors.AddRange(reader.Errors);
        return (values, errors, notes);
    }

    /// <summary>The argv: <c>entrypoint</c>, then <c>cmd</c>, as a Docker image would start; <c>node func.js</c> when a node function names none.</summary>
    private static IReadOnlyList<string>? Command(FunctionFileReader reader, string? runtime, List<FunctionLoadError> errors)
    {
        var words = new List<string>();
        foreach (var key in (string[])["entrypoint", "cmd"])
        {
            if (reader.Text(key, "a command string") is not { } text)
            {
                continue;
            }

            if (!ShellWords.TrySplit(text, out var split, out var problem))
            {
                errors.Add(new FunctionLoadError(reader.File, key, reader.Line(key), problem));
                return null;
            }

            words.AddRange(split);
        }

        if (words.Count == 0 && runtime == "node")
        {
            return ["node", "func.js"];
        }

        if (words.Count == 0)
        {
            errors.Add(new FunctionLoadError(reader.File, "entrypoint", reader.Line("entrypoint"),
                $"required key is missing: the command that starts the function (like \"node func.js\"); runtime {FunctionFileReader.Quote(runtime ?? "none")} has no default here"));
            return null;
        }

        return words;
    }
}
