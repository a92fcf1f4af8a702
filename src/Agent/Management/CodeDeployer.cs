using System.Globalization;
using Fnagent.Builds;
using Fnagent.Functions;
using Fnagent.State;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Management;

/// <summary>
/// Deploys uploaded code (<c>PUT /v2/fns/{id}/code</c>) and rolls it back. An upload is
/// unpacked into a new version folder, <c>.versions/&lt;n&gt;</c> beside the function's func.yml
/// (under a temporary name, then renamed, so a version folder is always whole), its
/// definition (func.yml or Fn's func.yaml) is read and checked, its build runs there, and
/// only then does the func.yml switch <c>code</c> to it: one atomic rename, which the
/// live reload serves. Calls already running finish on the version they started on
/// (their processes keep their folder). A failed upload or build removes its version and
/// leaves the old one serving. The version that served before is kept for a rollback;
/// older ones are removed.
/// </summary>
public sealed class CodeDeployer(FunctionsFolder functionsFolder, FunctionBuilds builds, AgentOptions options)
{
    /// <summary>The folder, inside a function's, that holds its versions (hidden: the functions scan skips it).</summary>
    public const string VersionsFolder = ".versions";


    /// <summary>The version serving, or null when the function runs from its own folder.</summary>
    public static int? VersionOf(FunctionDefinition function)
    {
        var relative = Path.GetRelativePath(Path.GetDirectoryName(function.SourceFile)!, function.Directory).Split(Path.DirectorySeparatorChar);
        return relative is [VersionsFolder, var n] && int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    public async Task<FunctionDefinition> DeployAsync(FunctionDefinition function, Stream upload, CancellationToken cancellationToken)
    {
        functionsFolder.CheckWritable(function);
        using (functionsFolder.BeginDeploy(function))
        {
            var versions = Path.Combine(Path.GetDirectoryName(function.SourceFile)!, VersionsFolder);
            Directory.CreateDirectory(versions);
            var number = Existing(versions).DefaultIfEmpty(0).Max() + 1;
            var incoming = Path.Combine(versions, $".incoming-{number}-{Guid.NewGuid():N}");
            try
            {
                await CodeArchive.ExtractAsync(upload, incoming, options.Limits.CodeArchive, cancellationToken);
            }
            catch (CodeArchiveException e)
            {
                throw ManagementProblem.BadInput(e.Message, "code");
            }

            var folder = Path.Combine(versions, number.ToString(CultureInfo.InvariantCulture));
            Directory.Move(incoming, folder);
            FunctionDefinition served;
            try
            {
                var (code, notes) = ReadDefinition(folder, function);
                var codeFolder = $"{VersionsFolder}/{number}";
                var (_, candidate) = functionsFolder.Compose(function, code, codeFolder, settingsToo: true);
                await BuildAsync(candidate, cancellationToken);
                served = functionsFolder.Switch(function, code, codeFolder, settingsToo: true) with { Notes = notes };
            }
            catch
            {
                FunctionsFolder.DeleteTree(folder);
                throw;
            }

            // The version serving now and the one before (for a rollback) stay; removing the
            // rest is tidying, which must not undo a deploy that is done.
            try
            {
                RemoveOld(versions, keep: [number, VersionOf(function) ?? number]);
            }
            catch (IOException)
            {
            }

            // What an Fn func.yaml said that the agent ignores: told once, in the deploy's answer.
            return served;
        }
    }

    /// <summary>Serves the newest version older than the one serving; 409 when there is none.</summary>
    public FunctionDefinition Rollback(FunctionDefinition function)
    {
        using (functionsFolder.BeginDeploy(function))
        {
            var versions = Path.Combine(Path.GetDirectoryName(function.SourceFile)!, VersionsFolder);
            var current = VersionOf(function);
            var previous = current is { } serving ? Existing(versions).Where(n => n < serving).DefaultIfEmpty(0).Max() : 0;
            if (previous == 0)
            {
                throw ManagementProblem.Conflict($"{function.App}/{function.Name} has no earlier version to roll back to");
            }

            var folder = Path.Combine(versions, previous.ToString(CultureInfo.InvariantCulture));
            return functionsFolder.Switch(function, ReadDefinition(folder, function).Values, $"{VersionsFolder}/{previous}", settingsToo: false);
        }
    }

    /// <summary>The func.yml keys of an unpacked version: its func.yml, else its Fn func.yaml; the function's own name.</summary>
    private static (Dictionary<string, YamlNode> Values, IReadOnlyList<string> Notes) ReadDefinition(string folder, FunctionDefinition function)
    {
        List<string> notes = [];
        var yml = Path.Combine(folder, FunctionFileParser.FileName);
        var yaml = Path.Combine(folder, FnFuncFileParser.FileName);
        Dictionary<string, YamlNode>? values;
        List<FunctionLoadError> errors = [];
        if (File.Exists(yml))
        {
            var text = YamlFile.Decode(yml, File.ReadAllBytes(yml), out var error);
            var root = text is null ? null : YamlFile.Load(yml, text, "a func.yml needs at least 'name' and 'cmd'", out error);
            values = root is null ? null : YamlFile.Values(yml, root, FunctionFileParser.Keys, errors);
            errors.AddRange(error is null ? [] : [error]);
        }
        else if (File.Exists(yaml))
        {
            (values, errors, notes) = FnFuncFileParser.Translate(yaml, File.ReadAllBytes(yaml), name => File.Exists(Path.Combine(folder, name)), function.App);
        }
        else
        {
            throw ManagementProblem.BadInput($"the archive has no {FunctionFileParser.FileName} (or Fn's {FnFuncFileParser.FileName}) at its root", "code");
        }

        if (errors.FirstOrDefault() is { } problem)
        {
            throw ManagementProblem.BadInput($"{Path.GetFileName(problem.File)}{(problem.Line is { } l ? $":{l}" : "")}: {(problem.Key is null ? "" : problem.Key + ": ")}{problem.Message}", problem.Key);
        }

        // The function uploaded to is named; its app is where it is deployed, whatever the folder's func.yml says.
        if (values!.GetValueOrDefault("name") is YamlScalarNode { Value: { } written } && written != function.Name)
        {
            throw ManagementProblem.BadInput($"the archive's definition says name \"{written}\"; this function's name is \"{function.Name}\"", "name");
        }

        return (values!, notes);
    }

    private async Task BuildAsync(FunctionDefinition candidate, CancellationToken cancellationToken)
    {
        if (candidate.Build is null)
        {
            return;
        }

        var logs = Path.Combine(Path.GetFullPath(options.DataDirectory), "builds", "deploys");
        Directory.CreateDirectory(logs);
        using var log = new CallLog(logs, Guid.NewGuid().ToString("N"), 256 * 1024);
        try
        {
            if (await builds.EnsureBuiltAsync(candidate, log, cancellationToken) is { } failure)
            {
                throw ManagementProblem.BadInput($"{failure.Message.Replace("; the call's log has its output", "", StringComparison.Ordinal)}; its output ends with:\n{Tail(CallLog.PathFor(logs, log.CallId))}", "build");
            }
        }
        finally
        {
            log.Dispose();
            File.Delete(CallLog.PathFor(logs, log.CallId));
        }
    }

    private static string Tail(string file)
    {
        if (!File.Exists(file))
        {
            return "(nothing)";
        }

        var text = File.ReadAllText(file);
        return text.Length <= 2048 ? text : "..." + text[^2048..];
    }

    private static IEnumerable<int> Existing(string versions) =>
        Directory.Exists(versions)
            ? Directory.EnumerateDirectories(versions).Select(Path.GetFileName)
                .Select(name => int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0).Where(n => n > 0)
            : [];

    private static void RemoveOld(string versions, IReadOnlyCollection<int> keep)
    {
        foreach (var number in Existing(versions).Where(n => !keep.Contains(n)).ToList())
        {
            FunctionsFolder.DeleteTree(Path.Combine(versions, number.ToString(CultureInfo.InvariantCulture)));
        }
    }
}
