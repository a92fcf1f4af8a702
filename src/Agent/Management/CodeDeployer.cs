using System.Collections.Concurrent;
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
public sealed class CodeDeployer(FunctionManager manager, FunctionBuilds builds, AgentOptions options)
{
    /// <summary>The folder, inside a function's, that holds its versions (hidden: the functions scan skips it).</summary>
    public const string VersionsFolder = ".versions";

    private readonly ConcurrentDictionary<string, byte> _deploying = new(StringComparer.Ordinal);

    /// <summary>The version serving, or null when the function runs from its own folder.</summary>
    public static int? VersionOf(FunctionDefinition function)
    {
        var relative = Path.GetRelativePath(Path.GetDirectoryName(function.SourceFile)!, function.Directory).Split(Path.DirectorySeparatorChar);
        return relative is [VersionsFolder, var n] && int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    public async Task<FunctionDefinition> DeployAsync(FunctionDefinition function, Stream upload, CancellationToken cancellationToken)
    {
        manager.CheckWritable(function);
        if (!_deploying.TryAdd(function.Id, 0))
        {
            throw ManagementProblem.Conflict($"a deploy of {function.App}/{function.Name} is in progress; try again when it is done");
        }

        try
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
            try
            {
                var (code, notes) = ReadDefinition(folder, function);
                var codeFolder = $"{VersionsFolder}/{number}";
                var (_, candidate) = manager.Compose(function, code, codeFolder, settingsToo: true);
                await BuildAsync(candidate, cancellationToken);
                var served = manager.Switch(function, code, codeFolder, settingsToo: true);
                RemoveOld(versions, keep: [number, VersionOf(function) ?? number]);

                // What an Fn func.yaml said that the agent ignores: told once, in the deploy's answer.
                return served with { Notes = notes };
            }
            catch
            {
                FunctionManager.DeleteTree(folder);
                throw;
            }
        }
        finally
        {
            _deploying.TryRemove(function.Id, out _);
        }
    }

    /// <summary>Serves the newest version older than the one serving; 409 when there is none.</summary>
    public FunctionDefinition Rollback(FunctionDefinition function)
    {
        if (!_deploying.TryAdd(function.Id, 0))
        {
            throw ManagementProblem.Conflict($"a deploy of {function.App}/{function.Name} is in progress; try again when it is done");
        }

        try
        {
            var versions = Path.Combine(Path.GetDirectoryName(function.SourceFile)!, VersionsFolder);
            var current = VersionOf(function);
            var previous = current is { } serving ? Existing(versions).Where(n => n < serving).DefaultIfEmpty(0).Max() : 0;
            if (previous == 0)
            {
                throw ManagementProblem.Conflict($"{function.App}/{function.Name} has no earlier version to roll back to");
            }

            var folder = Path.Combine(versions, previous.ToString(CultureInfo.InvariantCulture));
            return manager.Switch(function, ReadDefinition(folder, function).Values, $"{VersionsFolder}/{previous}", settingsToo: false);
        }
        finally
        {
            _deploying.TryRemove(function.Id, out _);
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

        foreach (var (key, expected) in (ReadOnlySpan<(string, string)>)[("name", function.Name), ("app", function.App)])
        {
            if (values!.GetValueOrDefault(key) is YamlScalarNode { Value: { } written } && written != expected)
            {
                throw ManagementProblem.BadInput($"the archive's definition says {key} \"{written}\"; this function's {key} is \"{expected}\"", key);
            }
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
            FunctionManager.DeleteTree(Path.Combine(versions, number.ToString(CultureInfo.InvariantCulture)));
        }
    }
}
