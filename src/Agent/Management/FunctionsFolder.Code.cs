using Fnagent.Functions;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Management;

/// <summary>Switching a function to a version of its uploaded code (docs/management.md, "Deploying code").</summary>
public sealed partial class FunctionsFolder
{
    /// <summary>The keys that belong to the code, taken whole from the version that serves: absent there, absent here.</summary>
    private static readonly string[] CodeKeys = ["cmd", "format", "build", "runtime"];

    // Identity stays the function's; `code` is the agent's to write.
    private static readonly string[] NeverFromCode = ["name", "app", "code"];

    /// <summary>
    /// The function's func.yml as it would be serving the code in <paramref name="codeFolder"/>
    /// (relative to its folder), whose own definition said <paramref name="code"/>: the code's
    /// keys replaced; with <paramref name="settingsToo"/> (a deploy, not a rollback), every
    /// other key the code's file sets too, its config merged into the function's. Refused
    /// as the file's parser refuses it.
    /// </summary>
    internal (DefinitionFile File, FunctionDefinition Candidate) Compose(FunctionDefinition function, IReadOnlyDictionary<string, YamlNode> code,
        string codeFolder, bool settingsToo)
    {
        var file = OpenFunction(function);
        foreach (var key in CodeKeys)
        {
            file.Set(key, code.GetValueOrDefault(key));
        }

        foreach (var (key, value) in code.Where(kv => settingsToo && !CodeKeys.Contains(kv.Key) && !NeverFromCode.Contains(kv.Key)))
        {
            file.Set(key, key == "config" && file.Get(key) is YamlMappingNode current && value is YamlMappingNode added ? Merged(current, added) : value);
        }

        file.Set("code", new YamlScalarNode(codeFolder));
        var parsed = FunctionFileParser.Parse(file.Path, file.Text());
        return parsed.Function is { } candidate ? (file, candidate) : throw Refused(parsed.Errors[0]);
    }

    /// <summary>Composes again under the write lock (an edit may have come meanwhile) and serves it.</summary>
    internal FunctionDefinition Switch(FunctionDefinition function, IReadOnlyDictionary<string, YamlNode> code, string codeFolder, bool settingsToo)
    {
        lock (_writes)
        {
            var current = FindFunction(function.Id);
            var (file, _) = Compose(current, code, codeFolder, settingsToo);
            Write(file.Path, file.Text(), () => functions.TryFindById(function.Id, out var served) && served.SourceFile == file.Path);
            return FindFunction(function.Id);
        }
    }

    /// <summary>
    /// Marks a deploy (or rollback) of <paramref name="function"/> as running until disposed;
    /// a 409 while another runs. Deletes wait for none: they are refused meanwhile.
    /// </summary>
    internal IDisposable BeginDeploy(FunctionDefinition function)
    {
        if (!_deploying.TryAdd(function.Id, 0))
        {
            throw ManagementProblem.Conflict($"a deploy of {function.App}/{function.Name} is in progress; try again when it is done");
        }

        return new Deploy(() => _deploying.TryRemove(function.Id, out _));
    }

    private void RefuseWhileDeploying(FunctionDefinition function)
    {
        if (_deploying.ContainsKey(function.Id))
        {
            throw ManagementProblem.Conflict($"a deploy of {function.App}/{function.Name} is in progress; delete it when the deploy is done");
        }
    }

    private sealed class Deploy(Action end) : IDisposable
    {
        public void Dispose() => end();
    }

    /// <summary>Refuses, before anything is unpacked, a function whose file the API cannot write.</summary>
    internal void CheckWritable(FunctionDefinition function) => OpenFunction(function);

    private static YamlMappingNode Merged(YamlMappingNode current, YamlMappingNode added)
    {
        var merged = new YamlMappingNode();
        foreach (var entry in current.Children.Concat(added.Children))
        {
            merged.Children[entry.Key] = entry.Value;
        }

        return merged;
    }
}
