using Microsoft.Extensions.Logging;

namespace Fnagent.Functions;

/// <summary>
/// The functions defined by the <c>func.yml</c> files under one root folder (searched
/// recursively, skipping <c>node_modules</c> and hidden folders), kept current while files
/// are added, edited and removed.
/// </summary>
/// <remarks>
/// Concurrency: lookups are lock-free reads of an immutable snapshot that a reload replaces
/// in one reference write, so a reader sees the set before or after a reload, never a mix.
/// File events are debounced (an editor's save is several events) and end in a full rescan
/// on a timer thread; rescans never overlap. <see cref="Changed"/> is raised on that thread
/// after the functions or the problems changed; a throwing handler is logged, not
/// propagated. A bad file never takes a good one down: it is reported in
/// <see cref="Errors"/> and logged. Of two functions on one app+route, the one whose file
/// comes first in ordinal path order is served. A missing root is an error that clears
/// itself once the folder appears (it is polled every second until then).
/// </remarks>
public sealed class FunctionDirectory : IFunctionRegistry, IDisposable
{
    private static readonly TimeSpan RootPollInterval = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly Func<FunctionDefinition, string?>? _check;
    private readonly Lock _gate = new();
    private readonly Timer _reloadTimer;
    private FileSystemWatcher? _watcher;
    private volatile FunctionSnapshot _snapshot = FunctionSnapshot.Empty;
    private bool _disposed;
    private bool _rootMissing;

    /// <summary>Loads every function under <paramref name="root"/> now and starts watching it.</summary>
    public FunctionDirectory(string root, ILogger<FunctionDirectory> logger)
        : this(root, logger, TimeSpan.FromMilliseconds(150))
    {
    }

    /// <summary>
    /// As the other constructor, with the quiet time awaited after a file event before
    /// rescanning, and a check of each function that can refuse it with a reason (reported
    /// like a mistake in its file; see <see cref="FunctionSnapshot.Scan"/>).
    /// </summary>
    public FunctionDirectory(string root, ILogger<FunctionDirectory> logger, TimeSpan debounce, Func<FunctionDefinition, string?>? check = null)
    {
        _check = check;
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(logger);
        Root = Path.GetFullPath(root);
        _logger = logger;
        _debounce = debounce;
        _reloadTimer = new Timer(_ => ReloadOnTimer());
        Reload();
    }

    /// <summary>The full path of the folder searched.</summary>
    public string Root { get; }

    /// <inheritdoc />
    public IReadOnlyCollection<FunctionDefinition> All => _snapshot.All;

    /// <inheritdoc />
    public IReadOnlyList<FunctionLoadError> Errors => _snapshot.Errors;

    /// <inheritdoc />
    public event Action? Changed;

    /// <inheritdoc />
    /// <remarks><paramref name="route"/> is normalised as in func.yml (<see cref="FunctionRoute"/>); an invalid route finds nothing.</remarks>
    public bool TryFind(string app, string route, out FunctionDefinition function)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(route);
        if (FunctionRoute.TryNormalize(route, out var normalized, out _))
        {
            return _snapshot.TryFind(app, normalized, out function);
        }
        function = null!;
        return false;
    }

    /// <inheritdoc />
    public IReadOnlyList<AppDefinition> Apps => _snapshot.Apps;

    /// <inheritdoc />
    public IReadOnlyList<FunctionDefinition> Waiting => _snapshot.Waiting;

    /// <inheritdoc />
    public bool TryFindById(string id, out FunctionDefinition function) => _snapshot.TryFindById(id, out function);

    /// <inheritdoc />
    public bool TryFindSonr(string name, out FunctionDefinition function) => _snapshot.TryFindSonr(name, out function);

    /// <inheritdoc />
    public bool TryFindApp(string name, out AppDefinition app) => _snapshot.TryFindApp(name, out app);

    /// <inheritdoc />
    public bool TryFindTrigger(string app, string source, out FunctionDefinition function)
    {
        function = null!;
        return FunctionRoute.TryNormalize(source, out var normalized, out _) && _snapshot.TryFindTrigger(app, normalized, out function);
    }

    /// <summary>
    /// Rescans the root now, on the calling thread (for writers such as <c>function add</c>
    /// that want their change visible before they return). Raises <see cref="Changed"/> when
    /// something changed.
    /// </summary>
    public void Reload()
    {
        FunctionSnapshot previous, next;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            // Watch before scanning: a file written during the scan then still causes a rescan.
            Watch(Directory.Exists(Root));
            previous = _snapshot;
            next = FunctionSnapshot.Scan(Root, _check);
            _snapshot = next;
        }
        if (next.SameAs(previous))
        {
            return;
        }
        foreach (var error in next.Errors.Except(previous.Errors))
        {
            _logger.FunctionFileRejected(error.ToString());
        }
        _logger.FunctionsLoaded(next.All.Count, Root, next.Errors.Count);
        RaiseChanged();
    }

    /// <summary>Stops watching. Lookups keep answering from the last snapshot.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _watcher?.Dispose();
            _watcher = null;
            _reloadTimer.Dispose();
        }
    }

    /// <summary>Starts the watcher when the root exists, else polls for it. Called under <see cref="_gate"/>.</summary>
    private void Watch(bool rootExists)
    {
        if (!rootExists)
        {
            _watcher?.Dispose();
            _watcher = null;
            if (!_rootMissing)
            {
                _logger.RootMissing(Root);
                _rootMissing = true;
            }
            _reloadTimer.Change(RootPollInterval, Timeout.InfiniteTimeSpan);
            return;
        }
        _rootMissing = false;
        if (_watcher is not null)
        {
            return;
        }
        var watcher = new FileSystemWatcher(Root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            // The largest buffer: an overflow costs a full rescan, which Error below triggers anyway.
            InternalBufferSize = 64 * 1024,
        };
        watcher.Created += OnFileEvent;
        watcher.Changed += OnFileEvent;
        watcher.Deleted += OnFileEvent;
        watcher.Renamed += OnFileRenamed;
        watcher.Error += OnWatcherError;
        watcher.EnableRaisingEvents = true;
        _watcher = watcher;
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        if (Matters(e.FullPath, e.ChangeType))
        {
            ScheduleReload();
        }
    }

    private void OnFileRenamed(object sender, RenamedEventArgs e)
    {
        if (Matters(e.OldFullPath, WatcherChangeTypes.Deleted) || Matters(e.FullPath, WatcherChangeTypes.Created))
        {
            ScheduleReload();
        }
    }

    private void OnWatcherError(object sender, ErrorEventArgs e)
    {
        // Events were lost (buffer overflow) or the root went away: only a rescan knows.
        _logger.WatcherFailed(e.GetException(), Root);
        lock (_gate)
        {
            if (ReferenceEquals(sender, _watcher))
            {
                _watcher.Dispose();
                _watcher = null;
            }
        }
        ScheduleReload();
    }

    /// <summary>
    /// Whether an event can change the functions: a func.yml itself, or a folder that holds
    /// or may hold one. Events from function code (logs, build output) cost no rescan.
    /// </summary>
    private bool Matters(string path, WatcherChangeTypes change)
    {
        var relative = Path.GetRelativePath(Root, path);
        if (relative.Split(Path.DirectorySeparatorChar).Any(FunctionSnapshot.IsSkipped))
        {
            return false;
        }
        if (FunctionSnapshot.IsDefinitionFile(Path.GetFileName(path)))
        {
            return true;
        }
        return change switch
        {
            WatcherChangeTypes.Created => Directory.Exists(path),
            WatcherChangeTypes.Deleted => _snapshot.Mentions(path),
            _ => false,
        };
    }

    private void ScheduleReload()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _reloadTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void ReloadOnTimer()
    {
        try
        {
            Reload();
        }
        catch (Exception ex)
        {
            // A timer callback that throws would end the process; keep serving the last set.
            _logger.ReloadFailed(ex, Root);
        }
    }

    private void RaiseChanged()
    {
        if (Changed is not { } handlers)
        {
            return;
        }
        foreach (var handler in handlers.GetInvocationList().Cast<Action>())
        {
            try
            {
                handler();
            }
            catch (Exception ex)
            {
                _logger.ChangedHandlerFailed(ex);
            }
        }
    }
}
