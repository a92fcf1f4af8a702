namespace Fnagent.Functions;

/// <summary>
/// One immutable view of a function directory: what a scan found. Never changed after
/// construction, so readers on any thread see a consistent set; a reload builds a new one.
/// </summary>
internal sealed class FunctionSnapshot
{
    private const long MaxFileBytes = 1024 * 1024;

    private readonly Dictionary<(string App, string Route), FunctionDefinition> _byRoute;
    private readonly Dictionary<(string App, string Source), FunctionDefinition> _byTrigger;
    private readonly Dictionary<string, FunctionDefinition> _byId;
    private readonly Dictionary<string, AppDefinition> _apps;
    private readonly Dictionary<string, FunctionDefinition> _sonr;

    private FunctionSnapshot(Dictionary<(string App, string Route), FunctionDefinition> byRoute,
        Dictionary<(string App, string Source), FunctionDefinition> byTrigger, Dictionary<string, FunctionDefinition> sonr,
        Dictionary<string, AppDefinition> apps, IReadOnlyList<FunctionLoadError> errors)
    {
        _byRoute = byRoute;
        _byTrigger = byTrigger;
        _sonr = sonr;
        var functions = byRoute.Values.Concat(sonr.Values).OrderBy(f => f.SourceFile, StringComparer.Ordinal).ToList();
        All = [.. functions.Where(f => f.HasCode)];
        Waiting = [.. functions.Where(f => !f.HasCode)];
        _byId = functions.ToDictionary(f => f.Id, StringComparer.Ordinal);

        // An app exists when an app.yml declares it or a function names it.
        foreach (var name in functions.Select(f => f.App).Where(name => !apps.ContainsKey(name)).ToList())
        {
            apps[name] = new AppDefinition { Name = name };
        }

        _apps = apps;
        Apps = [.. apps.Values.OrderBy(a => a.Name, StringComparer.Ordinal)];
        Errors = errors;
    }

    public static FunctionSnapshot Empty { get; } = new([], [], [], [], []);

    public IReadOnlyList<FunctionDefinition> All { get; }

    /// <summary>Every app, by name.</summary>
    public IReadOnlyList<AppDefinition> Apps { get; }

    /// <summary>Functions waiting for their first code upload: found by route and id (to answer 503), never in <see cref="All"/>.</summary>
    public IReadOnlyList<FunctionDefinition> Waiting { get; }

    public IReadOnlyList<FunctionLoadError> Errors { get; }

    public bool TryFind(string app, string route, out FunctionDefinition function) =>
        _byRoute.TryGetValue((app, route), out function!);

    public bool TryFindTrigger(string app, string source, out FunctionDefinition function) =>
        _byTrigger.TryGetValue((app, source), out function!);

    public bool TryFindById(string id, out FunctionDefinition function) => _byId.TryGetValue(id, out function!);

    public bool TryFindSonr(string name, out FunctionDefinition function) => _sonr.TryGetValue(name, out function!);

    public bool TryFindApp(string name, out AppDefinition app) => _apps.TryGetValue(name, out app!);

    /// <summary>
    /// Reads every func.yml under <paramref name="root"/>. Files are taken in ordinal path
    /// order so that of two functions on one app+route the same one wins on every scan.
    /// A function <paramref name="check"/> refuses (it names why) is not loaded: the reason
    /// is one of the errors, so it shows in the log and in <c>GET /v1/functions</c>.
    /// </summary>
    public static FunctionSnapshot Scan(string root, Func<FunctionDefinition, string?>? check = null)
    {
        if (!Directory.Exists(root))
        {
            return new([], [], [], [], [new FunctionLoadError(root, null, null, "the function directory does not exist")]);
        }
        var errors = new List<FunctionLoadError>();
        var (functionFiles, appFiles) = FindFiles(root, errors);
        var parsedFiles = functionFiles.Order(StringComparer.Ordinal).Select(file => (File: file, Parsed: Read(file))).ToList();
        var writable = parsedFiles.Select(p => p.Parsed.Function).OfType<FunctionDefinition>().Where(f => f.WritableFolder).ToList();
        var apps = ReadApps(appFiles.Where(file => !InsideWritable(file, writable, errors)).ToList(), errors);
        var byRoute = new Dictionary<(string App, string Route), FunctionDefinition>();
        var byTrigger = new Dictionary<(string App, string Source), FunctionDefinition>();
        var byName = new Dictionary<(string App, string Name), FunctionDefinition>();
        var sonr = new Dictionary<string, FunctionDefinition>(StringComparer.Ordinal);
        foreach (var (file, parsed) in parsedFiles)
        {
            if (InsideWritable(file, writable, errors))
            {
                continue;
            }

            if (parsed.Function is not { } read)
            {
                errors.AddRange(parsed.Errors);
                continue;
            }
            var function = WithApp(read, apps.GetValueOrDefault(read.App));
            if (check?.Invoke(function) is { } problem)
            {
                errors.Add(new FunctionLoadError(file, null, null, problem));
                continue;
            }
            // A Sonr function has no route: it is served by its name at /v1/functions (docs/protocols.md §9).
            if (function.Sonr is not null && sonr.TryGetValue(function.Name, out var sonrFirst))
            {
                errors.Add(new FunctionLoadError(file, "name", parsed.RouteLine,
                    $"Sonr function \"{function.Name}\" is already served by {sonrFirst.SourceFile}; this function is not loaded", Conflict: true));
                continue;
            }
            if (function.Sonr is null && byRoute.TryGetValue((function.App, function.Route), out var first))
            {
                errors.Add(new FunctionLoadError(file, "route", parsed.RouteLine,
                    $"app \"{function.App}\" route \"{function.Route}\" is already served by {first.SourceFile}; this function is not loaded", Conflict: true));
                continue;
            }
            if (byName.TryGetValue((function.App, function.Name), out var named))
            {
                errors.Add(new FunctionLoadError(file, "name", parsed.RouteLine,
                    $"app \"{function.App}\" already has a function \"{function.Name}\", in {named.SourceFile}; this function is not loaded", Conflict: true));
                continue;
            }
            if (function.Triggers.FirstOrDefault(t => byTrigger.ContainsKey((function.App, t.Source))) is { } taken)
            {
                errors.Add(new FunctionLoadError(file, "triggers", null,
                    $"app \"{function.App}\" trigger source \"{taken.Source}\" is already served by {byTrigger[(function.App, taken.Source)].SourceFile}; this function is not loaded", Conflict: true));
                continue;
            }
            if (function.Sonr is null)
            {
                byRoute.Add((function.App, function.Route), function);
            }
            else
            {
                sonr.Add(function.Name, function);
            }
            byName.Add((function.App, function.Name), function);
            foreach (var trigger in function.Triggers)
            {
                byTrigger.Add((function.App, trigger.Source), function);
            }
        }
        return new(byRoute, byTrigger, sonr, apps, errors);
    }

    /// <summary>
    /// True (and an error said) when <paramref name="file"/>, a definition, lies in the folder of
    /// a function that may write its folder (<c>writable_folder</c>) and is not that function's
    /// own: a function must not define functions or apps, whose builds run as the agent.
    /// </summary>
    private static bool InsideWritable(string file, List<FunctionDefinition> writable, List<FunctionLoadError> errors)
    {
        if (writable.FirstOrDefault(w => w.SourceFile != file && file.StartsWith(w.Directory + "/", StringComparison.Ordinal)) is not { } owner)
        {
            return false;
        }

        errors.Add(new FunctionLoadError(file, null, null,
            $"is inside the folder of {owner.App}/{owner.Name}, which that function may write (writable_folder: true, {owner.SourceFile}); this file is not loaded"));
        return true;
    }

    /// <summary>The app's config under the function's own (the function's win, as in Fn), and its auth unless the function has its own.</summary>
    private static FunctionDefinition WithApp(FunctionDefinition function, AppDefinition? app)
    {
        if (app is null)
        {
            return function;
        }
        var config = app.Config.Count == 0 ? function.Config : new Dictionary<string, string>(app.Config, StringComparer.Ordinal);
        if (app.Config.Count > 0)
        {
            foreach (var (key, value) in function.OwnConfig)
            {
                ((Dictionary<string, string>)config)[key] = value;
            }
        }
        return function with { Config = config, Auth = function.DeclaredAuth ?? app.Auth };
    }

    private static Dictionary<string, AppDefinition> ReadApps(List<string> files, List<FunctionLoadError> errors)
    {
        var apps = new Dictionary<string, AppDefinition>(StringComparer.Ordinal);
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            if (ReadBytes(file, errors) is not { } content || AppFileParser.Parse(file, content, errors) is not { } app)
            {
                continue;
            }
            if (!apps.TryAdd(app.Name, app))
            {
                errors.Add(new FunctionLoadError(file, "name", null, $"app \"{app.Name}\" is already declared by {apps[app.Name].SourceFile}; this file is not loaded", Conflict: true));
            }
        }
        return apps;
    }

    /// <summary>Whether a reload would show the same functions and errors as this snapshot.</summary>
    public bool SameAs(FunctionSnapshot other) =>
        Errors.SequenceEqual(other.Errors)
        && Apps.SequenceEqual(other.Apps, AppComparer.Instance)
        && All.Concat(Waiting).Select(Fingerprint).SequenceEqual(other.All.Concat(other.Waiting).Select(Fingerprint));

    /// <summary>Whether <paramref name="path"/> is, or is a folder above, a file this snapshot came from.</summary>
    public bool Mentions(string path)
    {
        var folder = path.EndsWith(Path.DirectorySeparatorChar) ? path : path + Path.DirectorySeparatorChar;
        return All.Concat(Waiting).Any(f => f.SourceFile == path || f.SourceFile.StartsWith(folder, StringComparison.Ordinal))
            || Apps.Any(a => a.SourceFile is { } file && (file == path || file.StartsWith(folder, StringComparison.Ordinal)))
            || Errors.Any(e => e.File == path || e.File.StartsWith(folder, StringComparison.Ordinal));
    }

    private static ParsedFunctionFile Read(string file)
    {
        var errors = new List<FunctionLoadError>();
        if (ReadBytes(file, errors) is not { } content)
        {
            return new ParsedFunctionFile(null, errors, null);
        }
        if (Path.GetFileName(file) == FnFuncFileParser.FileName)
        {
            var folder = Path.GetDirectoryName(file) ?? "/";
            return FnFuncFileParser.Parse(file, content, name => File.Exists(Path.Combine(folder, name)));
        }
        return FunctionFileParser.Parse(file, content);
    }

    private static byte[]? ReadBytes(string file, List<FunctionLoadError> errors)
    {
        try
        {
            var length = new FileInfo(file).Length;
            if (length > MaxFileBytes)
            {
                errors.Add(new FunctionLoadError(file, null, null, $"the file is {length} bytes; it may be at most {MaxFileBytes}"));
                return null;
            }
            return File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(new FunctionLoadError(file, null, null, $"cannot be read: {ex.Message}"));
            return null;
        }
    }

    /// <summary>Whether a file of this name defines a function or an app.</summary>
    public static bool IsDefinitionFile(string fileName) =>
        fileName is FunctionFileParser.FileName or FnFuncFileParser.FileName or AppDefinition.FileName;

    /// <summary>Every func.yml (else func.yaml: a folder holding both is served by its func.yml) and every app.yml.</summary>
    private static (List<string> Functions, List<string> Apps) FindFiles(string root, List<FunctionLoadError> errors)
    {
        var files = new List<string>();
        var apps = new List<string>();
        // Resolved folders already walked: a symlink loop must not recurse forever.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(Path.GetFullPath(root));
        while (pending.TryPop(out var folder))
        {
            var resolved = new DirectoryInfo(folder).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? folder;
            if (!seen.Add(resolved))
            {
                continue;
            }
            try
            {
                var file = Path.Combine(folder, FunctionFileParser.FileName);
                var fnFile = Path.Combine(folder, FnFuncFileParser.FileName);
                if (File.Exists(file) || File.Exists(file = fnFile))
                {
                    files.Add(file);
                }
                if (File.Exists(Path.Combine(folder, AppDefinition.FileName)))
                {
                    apps.Add(Path.Combine(folder, AppDefinition.FileName));
                }
                foreach (var child in Directory.EnumerateDirectories(folder))
                {
                    if (!IsSkipped(Path.GetFileName(child)))
                    {
                        pending.Push(child);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A folder removed mid-scan is normal during live edits; the next event rescans.
                if (Directory.Exists(folder))
                {
                    errors.Add(new FunctionLoadError(folder, null, null, $"cannot be listed: {ex.Message}"));
                }
            }
        }
        return (files, apps);
    }

    /// <summary>Folders never searched: dependencies and hidden folders (.git, editor state).</summary>
    public static bool IsSkipped(string folderName) => folderName.StartsWith('.') || folderName == "node_modules";

    private static string Fingerprint(FunctionDefinition f) => string.Join('\u001d',
    [
        f.LaunchKey, f.SourceFile, f.Timeout.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture),
        f.IdleTimeout.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture),
        f.MaxConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
        f.MinIdle.ToString(System.Globalization.CultureInfo.InvariantCulture),
        string.Join('\u001e', f.Headers.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + ":" + kv.Value)),
        f.Build is null ? "\u0000" : string.Join('\u001e', f.Build),
        f.Auth.ToString(), f.HasCode ? "code" : "none", string.Join('\u001e', f.Triggers), string.Join('\u001e', f.Notes),
        string.Join('\u001e', f.Annotations.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value)),
        string.Join('\u001e', f.OwnConfig.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value)),
        f.Sonr is { } sonr ? $"{sonr.Controller}\u001e{sonr.Binary}\u001e{sonr.Callback}\u001e{string.Join(',', sonr.Params)}" : "",
    ]);

    /// <summary>Apps as equal as a reload needs: their files' values.</summary>
    private sealed class AppComparer : IEqualityComparer<AppDefinition>
    {
        public static AppComparer Instance { get; } = new();

        public bool Equals(AppDefinition? x, AppDefinition? y) =>
            x is not null && y is not null && x.Name == y.Name && x.SourceFile == y.SourceFile && x.Auth == y.Auth
            && x.Config.OrderBy(kv => kv.Key, StringComparer.Ordinal).SequenceEqual(y.Config.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            && x.Annotations.OrderBy(kv => kv.Key, StringComparer.Ordinal).SequenceEqual(y.Annotations.OrderBy(kv => kv.Key, StringComparer.Ordinal));

        public int GetHashCode(AppDefinition obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }
}
