using System.Text;

namespace Fnagent.State;

/// <summary>
/// The log of one call: lines appended as the function writes them, capped at a size
/// past which one truncation line is kept (docs/protocols.md §6). The file is created
/// on the first line only, so a call that logs nothing costs no file (nor its path).
/// Thread-safe: stderr and stdout pumps may append concurrently. Once the call is over
/// (disposed), <see cref="Append"/> drops lines; only <see cref="AppendLate"/> still adds.
/// </summary>
public sealed class CallLog : IDisposable
{
    private readonly string _directory;
    private readonly string _callId;
    private readonly long _maxBytes;
    private readonly Lock _gate = new();
    private FileStream? _file;
    private long _written;
    private bool _truncated;
    private bool _closed;
    private bool _hasFile;

    /// <summary>The log of call <paramref name="callId"/>, kept in <paramref name="directory"/>.</summary>
    public CallLog(string directory, string callId, long maxBytes)
    {
        _directory = directory;
        _callId = callId;
        _maxBytes = maxBytes;
    }

    /// <summary>Where the log of <paramref name="callId"/> is kept in <paramref name="directory"/>.</summary>
    public static string PathFor(string directory, string callId) => Path.Combine(directory, callId + ".log");

    /// <summary>The call this is the log of.</summary>
    public string CallId => _callId;

    /// <summary>Bytes kept so far (the truncation line excluded).</summary>
    public long Length => Volatile.Read(ref _written);

    /// <summary>The cap on the bytes kept.</summary>
    public long MaxBytes => _maxBytes;

    /// <summary>True once the log's file exists (the call logged a line).</summary>
    public bool HasFile => Volatile.Read(ref _hasFile);

    public void Append(string line)
    {
        // Past the cap (a stderr flood) a line costs no measuring and no lock.
        if (Volatile.Read(ref _truncated))
        {
            return;
        }

        var bytes = Encoding.UTF8.GetByteCount(line) + 1;
        lock (_gate)
        {
            if (!_closed)
            {
                AppendUnderLock(line, bytes);
            }
        }
    }

    /// <summary>
    /// Appends lines that arrive after the call ended, under the same cap (a Direktiv
    /// function may post its log lines without waiting for them: docs/protocols.md §8).
    /// The file is opened for these lines and closed again, so an ended call holds no handle.
    /// </summary>
    public void AppendLate(IReadOnlyList<string> lines)
    {
        lock (_gate)
        {
            var reopened = _closed;
            try
            {
                foreach (var line in lines)
                {
                    AppendUnderLock(line, Encoding.UTF8.GetByteCount(line) + 1);
                }
            }
            finally
            {
                if (reopened)
                {
                    _file?.Dispose();
                    _file = null;
                }
            }
        }
    }

    /// <summary>Closes the file; later lines are dropped (the call is over).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _closed = true;
            _file?.Dispose();
            _file = null;
        }
    }

    private void AppendUnderLock(string line, int bytes)
    {
        if (_truncated)
        {
            return;
        }

        if (_written + bytes > _maxBytes)
        {
            _truncated = true;
            Write($"----- log truncated at {_maxBytes} bytes -----\n");
            return;
        }

        _written += bytes;
        Write(line + "\n");
    }

    private void Write(string text)
    {
        if (_file is null)
        {
            _file = new FileStream(PathFor(_directory, _callId), FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 4096);
            Volatile.Write(ref _hasFile, true);
        }

        _file.Write(Encoding.UTF8.GetBytes(text));
        _file.Flush();
    }
}
