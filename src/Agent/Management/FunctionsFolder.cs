using System.Text;
using System.Text.Json;
using Fnagent.Functions;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Management;

/// <summary>
/// Apps, functions and triggers changed through the management API, written where the
/// agent reads them: the functions folder (docs/management.md). An app declared through
/// the API is <c>&lt;app folder&gt;/app.yml</c>, a function <c>&lt;app folder&gt;/&lt;name&gt;/func.yml</c>,
/// a trigger an entry of its function's <c>triggers</c>. Every write is judged by the
/// parser of the file it lands in, is checked against what else is served (a name, route
/// or trigger source taken is a 409), is written atomically, and is served before the
/// method returns (the folder is rescanned); a file that still fails to load is put back.
/// </summary>
/// <remarks>Writes are serialised by one lock: each is a few small files, and two racing edits of one file must not both win.</remarks>
public sealed partial class FunctionsFolder(FunctionDirectory functions)
{
    private static readonly string[] AppFields = ["name", "config", "annotations", "auth"];

    // Fn's fields that mean nothing here, and read-only ones a client may send back unchanged.
    private static readonly string[] AppIgnored = ["id", "syslog_url", "shape", "created_at", "updated_at"];

    private readonly Lock _writes = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _deploying = new(StringComparer.Ordinal);

    public IFunctionRegistry Registry => functions;

    /// <summary>
    /// Where an app's files go: beside its app.yml when it has one; the functions root when
    /// that folder is named like the app (the bundled <c>examples</c>); else <c>&lt;root&gt;/&lt;app&gt;</c>.
    /// </summary>
    public string AppFolder(string app) =>
        functions.TryFindApp(app, out var found) && found.SourceFile is { } file ? Path.GetDirectoryName(file)!
        : Path.GetFileName(functions.Root) == app ? functions.Root
        : Path.Combine(functions.Root, app);

    public AppDefinition FindApp(string id) =>
        functions.Apps.FirstOrDefault(a => a.Id == id) ?? throw ManagementProblem.NotFound($"no app with id {id}");

    public AppDefinition CreateApp(JsonElement body)
    {
        RefuseId(body);
        var name = JsonFields.Text(body, "name") ?? throw ManagementProblem.BadInput("required", "name");
        CheckName(name);
        lock (_writes)
        {
            if (functions.TryFindApp(name, out _))
            {
                throw ManagementProblem.Conflict($"app \"{name}\" already exists", "name");
            }

            var file = DefinitionFile.Open(Path.Combine(AppFolder(name), AppDefinition.FileName));
            JsonFields.Apply(body, file, AppFields, AppIgnored);
            return WriteApp(file, name);
        }
    }

    public AppDefinition UpdateApp(AppDefinition app, JsonElement body)
    {
        RefuseRename(body, "name", app.Name);
        lock (_writes)
        {
            var file = DefinitionFile.Open(app.SourceFile ?? Path.Combine(AppFolder(app.Name), AppDefinition.FileName));
            if (file.Get("name") is null)
            {
                file.Set("name", new YamlScalarNode(app.Name));
            }

            JsonFields.Apply(body, file, AppFields, AppIgnored);
            return WriteApp(file, app.Name);
        }
    }

    /// <summary>Removes the app with every function of it, as Fn does.</summary>
    public void DeleteApp(AppDefinition app)
    {
        lock (_writes)
        {
            var doomed = functions.All.Concat(functions.Waiting).Where(f => f.App == app.Name).ToList();
            doomed.ForEach(RefuseWhileDeploying);
            foreach (var function in doomed)
            {
                RemoveFunctionFiles(function);
            }

            if (app.SourceFile is { } file)
            {
                File.Delete(file);
                RemoveIfEmpty(Path.GetDirectoryName(file)!);
            }

            functions.Reload();
        }
    }

    private AppDefinition WriteApp(DefinitionFile file, string name)
    {
        var text = file.Text();
        var errors = new List<FunctionLoadError>();
        if (AppFileParser.Parse(file.Path, Encoding.UTF8.GetBytes(text), errors) is null)
        {
            throw Refused(errors[0]);
        }

        Write(file.Path, text, () => functions.TryFindApp(name, out var app) && app.SourceFile == file.Path);
        functions.TryFindApp(name, out var written);
        return written;
    }

    /// <summary>
    /// Writes a definition file and rescans; when <paramref name="served"/> then says it was
    /// not taken (another file's clash, the agent's own checks), the old content is put back
    /// and the load error is the answer.
    /// </summary>
    private void Write(string path, string text, Func<bool> served)
    {
        var before = File.Exists(path) ? File.ReadAllText(path) : null;
        var others = Served().Where(file => file != path).ToHashSet(StringComparer.Ordinal);
        DefinitionFile.WriteAtomically(path, text);
        functions.Reload();

        // Of two files on one route, trigger source or app, the first in path order is served:
        // a write that took another function's place would take that function off the air.
        others.ExceptWith(Served());
        if (served() && others.Count == 0)
        {
            return;
        }

        var problem = others.Count > 0
            ? new FunctionLoadError(path, null, null, $"it would take the place of {others.First()}, which then would not be served", Conflict: true)
            : functions.Errors.FirstOrDefault(e => e.File == path);
        if (before is null)
        {
            File.Delete(path);
            RemoveIfEmpty(Path.GetDirectoryName(path)!);
        }
        else
        {
            DefinitionFile.WriteAtomically(path, before);
        }

        functions.Reload();
        throw problem is null ? new ManagementProblem(500, $"{path} was written but is not served") : Refused(problem);
    }

    private static ManagementProblem Refused(FunctionLoadError error) => error.Conflict
        ? ManagementProblem.Conflict(error.Message, error.Key)
        : ManagementProblem.BadInput(error.Key is null ? error.Message : $"{error.Key}: {error.Message}", error.Key);

    /// <summary>Every definition file served now: functions and apps.</summary>
    private IEnumerable<string> Served() =>
        functions.All.Concat(functions.Waiting).Select(f => f.SourceFile).Concat(functions.Apps.Select(a => a.SourceFile).OfType<string>());

    // A name is a folder's name, and a file name is at most 255 bytes (NAME_MAX).
    private const int MaxNameLength = 255;

    /// <summary>Refuses a name that is not one before it is used in a path.</summary>
    private static void CheckName(string name)
    {
        if (!FunctionFileReader.IsIdentifier(name))
        {
            throw ManagementProblem.BadInput($"expected lower-case letters, digits, '-' or '_' starting with a letter or digit, got \"{name}\"", "name");
        }

        if (name.Length > MaxNameLength)
        {
            throw ManagementProblem.BadInput($"expected at most {MaxNameLength} characters, got {name.Length}", "name");
        }
    }

    private bool IsRoot(string folder) => Path.GetFullPath(folder).TrimEnd('/') == functions.Root.TrimEnd('/');

    private static void RefuseId(JsonElement body)
    {
        if (body.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null)
        {
            throw ManagementProblem.BadInput("an id cannot be given on create; the agent gives it", "id");
        }
    }

    private static void RefuseRename(JsonElement body, string field, string current)
    {
        if (JsonFields.Text(body, field) is { } wanted && wanted != current)
        {
            throw ManagementProblem.Conflict($"{field} cannot change (it is \"{current}\"); create a new one instead", field);
        }
    }

    private void RemoveIfEmpty(string folder)
    {
        if (!IsRoot(folder) && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
        {
            Directory.Delete(folder);
        }
    }
}
