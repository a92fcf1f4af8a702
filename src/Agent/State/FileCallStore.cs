
namespace Fnagent.State;

/// <summary>
/// The embedded call store: records in memory, logs as one file per call under
/// <c>&lt;data&gt;/logs</c>, both trimmed to the newest <c>CallRetention</c> finished calls.
/// </summary>
/// <remarks>
/// A finished call is kept as a value in a ring with an index keyed by its id's 128-bit
/// value, so keeping it costs no object at all: ten thousand retained records that each
/// outlived a few collections and then died made the garbage collector's pauses the
/// agent's p99 under load. Running calls are few and short-lived; they stay
/// objects until they finish.
/// </remarks>
public sealed class FileCallStore : ICallStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<UInt128, CallRecord> _running = [];
    private readonly Dictionary<UInt128, int> _slots;
    private readonly Kept[] _ring;
    private int _next;
    private readonly string _logDirectory;
    private readonly long _maxLogBytes;

    public FileCallStore(AgentOptions options)
    {
        _logDirectory = Path.GetFullPath(Path.Combine(options.DataDirectory, "logs"));
        _maxLogBytes = options.Limits.MaxLogBytesPerCall;
        var retention = Math.Max(1, options.Limits.CallRetention);
        _ring = new Kept[retention];
        _slots = new Dictionary<UInt128, int>(retention);
        Directory.CreateDirectory(_logDirectory);
        AdoptEarlierLogs();
    }

    public CallLog Begin(CallRecord record)
    {
        var id = Key(record.CallId);
        lock (_gate)
        {
            _running[id] = record;
        }

        return new CallLog(_logDirectory, record.CallId, _maxLogBytes);
    }

    public void Finish(CallRecord record, CallLog log)
    {
        log.Dispose();
        var id = Key(record.CallId);
        Kept evicted;
        lock (_gate)
        {
            _running.Remove(id);
            evicted = Keep(new Kept(id, record, log.HasFile));
        }

        DeleteLog(evicted);
    }

    public void AppendLate(CallLog log, IReadOnlyList<string> lines)
    {
        var id = Key(log.CallId);
        lock (_gate)
        {
            if (!_running.ContainsKey(id) && !_slots.ContainsKey(id))
            {
                return;
            }
        }

        log.AppendLate(lines);
        if (!log.HasFile)
        {
            return;
        }

        // A call kept as "logged nothing" whose first line came late: its file must go with
        // it when it is evicted, or files of such calls would pile up. One running still
        // is kept by Finish, which reads HasFile under this lock. One evicted while these
        // lines were written has lost its log: the file just made goes too.
        lock (_gate)
        {
            if (_slots.TryGetValue(id, out var slot))
            {
                _ring[slot] = _ring[slot] with { HasLog = true };
                return;
            }

            if (_running.ContainsKey(id))
            {
                return;
            }
        }

        TryDelete(LogPath(log.CallId));
    }

    public bool TryGet(string callId, out CallRecord record)
    {
        record = null!;
        if (!CallId.TryParse(callId, out var id))
        {
            return false;
        }

        lock (_gate)
        {
            if (_running.TryGetValue(id, out var running))
            {
                record = running;
                return true;
            }

            if (_slots.TryGetValue(id, out var slot) && _ring[slot].Record is { } kept)
            {
                record = kept.ToRecord(callId);
                return true;
            }
        }

        return false;
    }

    public CallPage List(CallQuery query)
    {
        var limit = Math.Clamp(query.Limit, 1, CallQuery.MaxLimit);
        var upper = query.Cursor is { } cursor && CallId.TryParse(cursor, out var after) ? after : UInt128.MaxValue;
        List<(UInt128 Id, CallRecord Record)> found = [];
        lock (_gate)
        {
            foreach (var (id, record) in _running)
            {
                found.Add((id, record));
            }

            foreach (var kept in _ring)
            {
                if (kept.Id != 0 && kept.Record is { } finished)
                {
                    found.Add((kept.Id, finished.ToRecord(CallId.Format(kept.Id))));
                }
            }
        }

        var page = found
            .Where(c => c.Id < upper
                && (query.App is null || c.Record.App == query.App)
                && (query.Function is null || c.Record.Function == query.Function)
                && (query.Status is null || c.Record.Status == query.Status)
                && (query.Since is null || c.Record.StartedAt >= query.Since)
                && (query.Until is null || c.Record.StartedAt < query.Until))
            .OrderByDescending(c => c.Id)
            .Take(limit + 1)
            .Select(c => c.Record)
            .ToList();
        string? next = null;
        if (page.Count > limit)
        {
            page.RemoveAt(limit);
            next = page[^1].CallId;
        }

        return new CallPage(page, next);
    }

    public string? ReadLog(string callId)
    {
        // Only ids this agent makes ever touch the file system.
        if (!CallId.TryParse(callId, out var id))
        {
            return null;
        }

        var path = LogPath(callId);
        if (File.Exists(path))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        lock (_gate)
        {
            return _running.ContainsKey(id) || _slots.ContainsKey(id) ? "" : null;
        }
    }

    /// <summary>Under the lock: puts a call in the oldest slot; returns what was there.</summary>
    private Kept Keep(Kept call)
    {
        var evicted = _ring[_next];
        if (evicted.Id != 0)
        {
            _slots.Remove(evicted.Id);
        }

        _ring[_next] = call;
        _slots[call.Id] = _next;
        _next = (_next + 1) % _ring.Length;
        return evicted;
    }

    private string LogPath(string callId) => CallLog.PathFor(_logDirectory, callId);

    private static UInt128 Key(string callId) =>
        CallId.TryParse(callId, out var id) ? id : throw new ArgumentException($"not a call id: {callId}", nameof(callId));

    /// <summary>
    /// Logs of an earlier run stay readable and count towards the retention, oldest first
    /// (call ids sort by time), so that restarts never let the folder grow without bound.
    /// </summary>
    private void AdoptEarlierLogs()
    {
        var earlier = Directory.EnumerateFiles(_logDirectory, "*.log")
            .Select(Path.GetFileNameWithoutExtension)
            .Select(name => CallId.TryParse(name, out var id) ? id : 0)
            .Where(id => id != 0)
            .Order()
            .ToList();
        foreach (var id in earlier)
        {
            DeleteLog(Keep(new Kept(id, null, HasLog: true)));
        }
    }

    // Only logs that were written: most calls log nothing, and deleting a missing file
    // still costs an unlink and a stat.
    private void DeleteLog(Kept evicted)
    {
        if (evicted.HasLog)
        {
            TryDelete(LogPath(CallId.Format(evicted.Id)));
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A finished call (no record: a log an earlier run left). Id 0: an empty slot.</summary>
    private readonly record struct Kept(UInt128 Id, FinishedCall? Record, bool HasLog)
    {
        public Kept(UInt128 id, CallRecord record, bool hasLog)
            : this(id, new FinishedCall(record), hasLog)
        {
        }
    }

    /// <summary>
    /// A record's fields as a value. Its strings are the function's own (shared by all its
    /// calls) or, for the error, made only when a call fails.
    /// </summary>
    private readonly record struct FinishedCall(string App, string Function, string Route, DateTimeOffset StartedAt,
        DateTimeOffset? EndedAt, CallStatus Status, int? HttpStatus, int? ExitCode, int? Pid, string? Error)
    {
        public FinishedCall(CallRecord r)
            : this(r.App, r.Function, r.Route, r.StartedAt, r.EndedAt, r.Status, r.HttpStatus, r.ExitCode, r.Pid, r.Error)
        {
        }

        public CallRecord ToRecord(string callId) => new()
        {
            CallId = callId,
            App = App,
            Function = Function,
            Route = Route,
            StartedAt = StartedAt,
            EndedAt = EndedAt,
            Status = Status,
            HttpStatus = HttpStatus,
            ExitCode = ExitCode,
            Pid = Pid,
            Error = Error,
        };
    }
}
