using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Cli;

/// <summary>
/// A function folder as deploy sees it: its definition file (fnagent's <c>func.yml</c>, or
/// an Fn Project <c>func.yaml</c>) and the two keys deploy needs from it, <c>name</c> and,
/// from func.yml only, <c>app</c>. The agent reads every other key itself after the upload.
/// </summary>
internal sealed partial record FunctionFolder(string Directory, string DefinitionFile, string Name, string? App)
{
    public static readonly string[] DefinitionFiles = ["func.yml", "func.yaml"];

    /// <summary>Reads <paramref name="directory"/>'s definition; a <see cref="CommandFailure"/> says what is missing or wrong.</summary>
    public static FunctionFolder Read(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new CommandFailure($"{directory}: no such folder");
        }

        var file = DefinitionFiles.Select(f => Path.Combine(directory, f)).FirstOrDefault(File.Exists)
            ?? throw new CommandFailure($"{directory} has no func.yml or func.yaml: make one with fnagent init");
        var keys = ReadMapping(file);
        var name = Scalar(keys, "name", file) ?? throw new CommandFailure($"{file}: no name");
        if (!IsName(name))
        {
            throw new CommandFailure($"{file}: name: expected lower-case letters, digits, '-' or '_' starting with a letter or digit, got \"{name}\"");
        }

        // An Fn func.yaml has no app: Fn takes it from the command line too.
        var app = Path.GetFileName(file) == "func.yml" ? Scalar(keys, "app", file) : null;
        return new FunctionFolder(directory, file, name, app);
    }

    /// <summary>Whether <paramref name="text"/> is an app or function name (as func.yml's <c>name</c> and <c>app</c>).</summary>
    public static bool IsName(string text) => NamePattern().IsMatch(text);

    private static YamlMappingNode ReadMapping(string file)
    {
        try
        {
            using var reader = new StreamReader(file);
            var yaml = new YamlStream();
            yaml.Load(reader);
            return yaml.Documents.FirstOrDefault()?.RootNode as YamlMappingNode
                ?? throw new CommandFailure($"{file}: expected a mapping of keys");
        }
        catch (YamlException e)
        {
            throw new CommandFailure($"{file}: line {e.Start.Line}: {e.Message}");
        }
    }

    private static string? Scalar(YamlMappingNode keys, string key, string file) =>
        keys.Children.TryGetValue(new YamlScalarNode(key), out var node) switch
        {
            false => null,
            true when node is YamlScalarNode { Value: { Length: > 0 } value } => value,
            true when node is YamlScalarNode => null,
            _ => throw new CommandFailure($"{file}: {key}: expected a name"),
        };

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex NamePattern();
}
