using System.Collections.Concurrent;

namespace Fnagent.State;

/// <summary>
/// The embedded call store: records in memory, logs as one file per call under
/// <c>&lt;data&gt;/logs</c>, both trimmed to the newest <c>CallRetention</c> calls.
/// </summary>
public sealed class FileCallStore : ICallStore
{
    private readonly ConcurrentDictionary<string, CallRecord> _records = new(StringComparer.Ordinal);
    // Oldest first, with each call's log, so that retention deletes only files that exist:
    // most calls log nothing, and File.Delete of a missing file still costs an unlink and a
    // stat of the folder (two syscalls per call once retention is reached). A null log is a
    // file an earlier run of the agent left.
    private readonly ConcurrentQueue<(string CallId, CallLog? Log)> _order = new();
    private int _count;
    private readonly string _logDirectory;
    private readonly long _maxLogBytes;
    private readonly int _retention;

    public FileCallStore(AgentOptions options)
    {
        _logDirectory = Path.GetFullPath(Path.Combine(options.DataDirectory, "logs"));
        _maxLogBytes = options.Limits.MaxLogBytesPerCall;
        _retention = Math.Max(1, options.Limits.CallRetention);
        Directory.CreateDirectory(_logDirectory);
        AdoptEarlierLogs();
    }

    public CallLog Begin(CallRecord record)
    {
        var log = new CallLog(LogPath(record.CallId), _maxLogBytes);
        _records[record.CallId] = record;
        _order.Enqueue((record.CallId, log));
        var count = Interlocked.Increment(ref _count);
        while (count > _retention && _order.TryDequeue(out var old))
        {
            _records.TryRemove(old.CallId, out _);
            if (old.Log?.HasFile ?? true)
            {
                TryDelete(LogPath(old.CallId));
            }

            count = Interlocked.Decrement(ref _count);
        }

        return log;
    }

    public bool TryGet(string callId, out CallRecord record) => _records.TryGetValue(callId, out record!);

    public string? ReadLog(string callId)
    {
        if (!IsCallId(callId))
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

        return _records.ContainsKey(callId) ? "" : null;
    }

    private string LogPath(string callId) => Path.Combine(_logDirectory, callId + ".log");

    /// <summary>
    /// Logs of an earlier run stay readable and count towards the retention, oldest first
    /// (call ids sort by time), so that restarts never let the folder grow without bound.
    /// </summary>
    private void AdoptEarlierLogs()
    {
        var earlier = Directory.EnumerateFiles(_logDirectory, "*.log")
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Where(IsCallId)
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (var callId in earlier.Take(Math.Max(0, earlier.Count - _retention)))
        {
            TryDelete(LogPath(callId));
        }

        foreach (var callId in earlier.Skip(Math.Max(0, earlier.Count - _retention)))
        {
            _order.Enqueue((callId, null));
            _count++;
        }
    }

    // Call ids are Crockford base32; anything else never touches the file system.
    private static bool IsCallId(string value) => value.Length is > 0 and <= 64 && value.All(char.IsAsciiLetterOrDigit);

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
}
