using System.Text.Json;
using Fnagent.Functions;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Management;

/// <summary>Functions: created, changed and removed as func.yml files.</summary>
public sealed partial class FunctionsFolder
{
    /// <summary>The func.yml keys a request may set, each under its own name.</summary>
    private static readonly string[] FnFields =
    [
        "name", "cmd", "format", "type", "route", "memory", "cpus", "timeout", "idle_timeout", "max_concurrency", "min_idle",
        "async_concurrency", "retries", "config", "headers", "build", "annotations", "auth", "pids", "tmp_size", "network", "writable_folder",
    ];

    private static readonly string[] FnIgnored =
        ["id", "app_id", "image", "shape", "created_at", "updated_at", "version", "has_code", "file", "notes", "effective_auth"];

    public FunctionDefinition FindFunction(string id) =>
        functions.TryFindById(id, out var function) ? function : throw ManagementProblem.NotFound($"no function with id {id}");

    public FunctionDefinition CreateFunction(JsonElement body)
    {
        RefuseId(body);
        var name = JsonFields.Text(body, "name") ?? throw ManagementProblem.BadInput("required", "name");
        var appId = JsonFields.Text(body, "app_id") ?? throw ManagementProblem.BadInput("required", "app_id");
        CheckName(name);
        lock (_writes)
        {
            var app = FindApp(appId);
            if (functions.TryFindById(FunctionIds.Function(app.Name, name), out var taken))
            {
                throw ManagementProblem.Conflict($"app \"{app.Name}\" already has a function \"{name}\", in {taken.SourceFile}", "name");
            }

            var folder = Path.Combine(AppFolder(app.Name), name);
            if (Directory.Exists(folder))
            {
                throw ManagementProblem.Conflict($"the folder {folder} exists already; remove it or pick another name", "name");
            }

            var file = DefinitionFile.Open(Path.Combine(folder, FunctionFileParser.FileName));
            file.Set("name", new YamlScalarNode(name));
            file.Set("app", new YamlScalarNode(app.Name));
            JsonFields.Apply(body, file, FnFields, FnIgnored);
            if (file.Get("cmd") is null)
            {
                // No command yet: the function exists, and answers 503 until its code is uploaded.
                file.Set("code", new YamlScalarNode(FunctionFileParser.NoCode));
            }

            return WriteFunction(file, app.Name, name);
        }
    }

    public FunctionDefinition UpdateFunction(FunctionDefinition function, JsonElement body)
    {
        RefuseRename(body, "name", function.Name);
        RefuseRename(body, "app_id", FunctionIds.App(function.App));
        lock (_writes)
        {
            var file = OpenFunction(function);
            JsonFields.Apply(body, file, FnFields, FnIgnored);
            if (file.Get("cmd") is not null && file.Get("code") is YamlScalarNode { Value: FunctionFileParser.NoCode })
            {
                // A command given to a function without code runs in its own folder.
                file.Set("code", null);
            }

            return WriteFunction(file, function.App, function.Name);
        }
    }

    public void DeleteFunction(FunctionDefinition function)
    {
        RefuseWhileDeploying(function);
        lock (_writes)
        {
            RemoveFunctionFiles(function);
            functions.Reload();
        }
    }

    /// <summary>The func.yml of <paramref name="function"/>, made writable by the API: a func.yaml is converted once, its values kept.</summary>
    private DefinitionFile OpenFunction(FunctionDefinition function)
    {
        if (Path.GetFileName(function.SourceFile) == FunctionFileParser.FileName)
        {
            return DefinitionFile.Open(function.SourceFile);
        }

        throw ManagementProblem.Conflict($"{function.SourceFile} is an Fn func.yaml: change it in its folder and deploy it again (fnagent deploy)");
    }

    private FunctionDefinition WriteFunction(DefinitionFile file, string app, string name)
    {
        var text = file.Text();
        var parsed = FunctionFileParser.Parse(file.Path, text);
        if (parsed.Function is not { } function)
        {
            throw Refused(parsed.Errors[0]);
        }

        Write(file.Path, text, () => functions.TryFindById(FunctionIds.Function(app, name), out var served) && served.SourceFile == file.Path);
        return FindFunction(function.Id);
    }

    /// <summary>
    /// Removes a function's folder, or only its definition file when the folder holds other
    /// definitions too or is the functions root itself.
    /// </summary>
    private void RemoveFunctionFiles(FunctionDefinition function)
    {
        var folder = Path.GetDirectoryName(function.SourceFile)!;
        var others = functions.All.Concat(functions.Waiting).Select(f => f.SourceFile)
            .Concat(functions.Apps.Select(a => a.SourceFile).OfType<string>())
            .Any(file => file != function.SourceFile && file.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        if (others || IsRoot(folder))
        {
            File.Delete(function.SourceFile);
            return;
        }

        DeleteTree(folder);
    }

    /// <summary>Deletes a folder and what it holds without following links: a folder that is a link loses the link only.</summary>
    internal static void DeleteTree(string folder)
    {
        var info = new DirectoryInfo(folder);
        if (info.LinkTarget is not null)
        {
            info.Delete();
            return;
        }

        if (!info.Exists)
        {
            return;
        }

        foreach (var link in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.TopDirectoryOnly))
        {
            if (link.LinkTarget is not null || link is FileInfo)
            {
                link.Delete();
            }
            else
            {
                DeleteTree(link.FullName);
            }
        }

        Directory.Delete(folder);
    }
}
