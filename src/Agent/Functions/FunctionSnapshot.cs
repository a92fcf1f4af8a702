namespace Fnagent.Functions;

/// <summary>
/// One immutable view of a function directory: what a scan found. Never changed after
/// construction, so readers on any thread see a consistent set; a reload builds a new one.
/// </summary>
internal sealed class FunctionSnapshot
{
    private const long MaxFileBytes = 1024 * 1024;

    private readonly Dictionary<(string App, string Route), FunctionDefinition> _byRoute;

    private FunctionSnapshot(Dictionary<(string App, string Route), FunctionDefinition> byRoute, IReadOnlyList<FunctionLoadError> errors)
    {
        _byRoute = byRoute;
        All = [.. byRoute.Values.OrderBy(f => f.SourceFile, StringComparer.Ordinal)];
        Errors = errors;
    }

    public static FunctionSnapshot Empty { get; } = new([], []);

    public IReadOnlyList<FunctionDefinition> All { get; }

    public IReadOnlyList<FunctionLoadError> Errors { get; }

    public bool TryFind(string app, string route, out FunctionDefinition function) =>
        _byRoute.TryGetValue((app, route), out function!);

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
            return new([], [new FunctionLoadError(root, null, null, "the function directory does not exist")]);
        }
        var errors = new List<FunctionLoadError>();
        var byRoute = new Dictionary<(string App, string Route), FunctionDefinition>();
        foreach (var file in FindFiles(root, errors).Order(StringComparer.Ordinal))
        {
            var parsed = Read(file);
            if (parsed.Function is not { } function)
            {
                errors.AddRange(parsed.Errors);
                continue;
            }
            if (check?.Invoke(function) is { } problem)
            {
                errors.Add(new FunctionLoadError(file, null, null, problem));
                continue;
            }
            if (byRoute.TryGetValue((function.App, function.Route), out var first))
            {
                errors.Add(new FunctionLoadError(file, "route", parsed.RouteLine,
                    $"app \"{function.App}\" route \"{function.Route}\" is already served by {first.SourceFile}; this function is not loaded"));
                continue;
            }
            byRoute.Add((function.App, function.Route), function);
        }
        return new(byRoute, errors);
    }

    /// <summary>Whether a reload would show the same functions and errors as this snapshot.</summary>
    public bool SameAs(FunctionSnapshot other) =>
        Errors.SequenceEqual(other.Errors)
        && All.Select(Fingerprint).SequenceEqual(other.All.Select(Fingerprint));

    /// <summary>Whether <paramref name="path"/> is, or is a folder above, a file this snapshot came from.</summary>
    public bool Mentions(string path)
    {
        var folder = path.EndsWith(Path.DirectorySeparatorChar) ? path : path + Path.DirectorySeparatorChar;
        return All.Any(f => f.SourceFile == path || f.SourceFile.StartsWith(folder, StringComparison.Ordinal))
            || Errors.Any(e => e.File == path || e.File.StartsWith(folder, StringComparison.Ordinal));
    }

    private static ParsedFunctionFile Read(string file)
    {
        try
        {
            var length = new FileInfo(file).Length;
            if (length > MaxFileBytes)
            {
                return new ParsedFunctionFile(null, [new FunctionLoadError(file, null, null, $"the file is {length} bytes; a func.yml may be at most {MaxFileBytes}")], null);
            }
            return FunctionFileParser.Parse(file, File.ReadAllBytes(file));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ParsedFunctionFile(null, [new FunctionLoadError(file, null, null, $"cannot be read: {ex.Message}")], null);
        }
    }

    private static List<string> FindFiles(string root, List<FunctionLoadError> errors)
    {
        var files = new List<string>();
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
                if (File.Exists(file))
                {
                    files.Add(file);
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
        return files;
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
    ]);
}
