using System.Text;

namespace Fnagent.State;

/// <summary>
/// Which async calls were started and have not ended: <c>&lt;data&gt;/async-starts</c>, one
/// line <c>+&lt;id&gt;</c> per start and <c>-&lt;id&gt;</c> per start taken back (the call never
/// reached a process). A start is one <c>write(2)</c> before the call's process gets it: once
/// it returned, a <c>kill -9</c> of the agent cannot take it back (the kernel holds it, as it
/// holds a WAL commit at <c>synchronous=NORMAL</c>), and no database commit waits on the
/// call's path. The next start reads it to tell calls cut off from calls never started
/// (<see cref="AsyncQueue.Recover"/>). Past <see cref="CompactAt"/> bytes the file is
/// rewritten with the calls still running only, and renamed over itself. Thread-safe.
/// </summary>
public sealed class StartJournal : IDisposable
{
    public const string FileName = "async-starts";

    /// <summary>Size past which the journal is rewritten with the running calls only.</summary>
    private const long CompactAt = 1 << 20;

    private readonly Lock _gate = new();
    private readonly string _path;
    private readonly HashSet<string> _running = new(StringComparer.Ordinal);
    private FileStream _file;
    private long _length; // kept here: FileStream.Length is an fstat per start

    public StartJournal(string dataDirectory)
    {
        _path = Path.Combine(dataDirectory, FileName);
        _file = Open(_path, FileMode.Append);
        _length = _file.Length;
    }

    /// <summary>
    /// Per call id of the file as the last agent left it: how many starts it did not take back.
    /// Read before anything is started by this agent.
    /// </summary>
    public static Dictionary<string, int> Read(string dataDirectory)
    {
        var starts = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return starts;
        }

        foreach (var line in File.ReadLines(path))
        {
            // A line cut short by a crash mid-write is no call id: it never counted.
            if (line.Length == CallId.Length + 1 && CallId.TryParse(line.AsSpan(1), out _) && line[0] is '+' or '-')
            {
                var id = line[1..];
                starts[id] = starts.GetValueOrDefault(id) + (line[0] == '+' ? 1 : -1);
            }
        }

        return starts;
    }

    /// <summary>Records a start; false, writing nothing, when the call is running already.</summary>
    public bool TryStart(string callId)
    {
        lock (_gate)
        {
            if (!_running.Add(callId))
            {
                return false;
            }

            Append('+', callId);
            return true;
        }
    }

    /// <summary>The call never reached a process: its start is taken back.</summary>
    public void Unstart(string callId)
    {
        lock (_gate)
        {
            if (_running.Remove(callId))
            {
                Append('-', callId);
            }
        }
    }

    /// <summary>The call's end is committed to the database: the journal no longer needs it.</summary>
    public void Ended(string callId)
    {
        lock (_gate)
        {
            _running.Remove(callId);
        }
    }

    /// <summary>After a recovery committed what the file said: starts over with nothing in it.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _file.Dispose();
            _file = Open(_path, FileMode.Create);
            _length = 0;
            _running.Clear();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file.Dispose();
        }
    }

    private void Append(char sign, string callId)
    {
        Span<byte> line = stackalloc byte[CallId.Length + 2];
        line[0] = (byte)sign;
        Encoding.ASCII.GetBytes(callId, line[1..]);
        line[^1] = (byte)'\n';
        _file.Write(line);
        _length += line.Length;
        if (_length > CompactAt)
        {
            Compact();
        }
    }

    /// <summary>Under the lock: the running calls only, in a new file renamed over the old one.</summary>
    private void Compact()
    {
        var next = _path + ".next";
        using (var fresh = Open(next, FileMode.Create))
        {
            var text = new StringBuilder();
            foreach (var callId in _running)
            {
                text.Append('+').Append(callId).Append('\n');
            }

            fresh.Write(Encoding.ASCII.GetBytes(text.ToString()));
            _length = fresh.Length;
        }

        File.Move(next, _path, overwrite: true);
        _file.Dispose();
        _file = Open(_path, FileMode.Append);
    }

    // Unbuffered: each line is its own write(2), done when Write returns.
    private static FileStream Open(string path, FileMode mode) =>
        new(path, mode, FileAccess.Write, FileShare.Read, bufferSize: 0);
}
