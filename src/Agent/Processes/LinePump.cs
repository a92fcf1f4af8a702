using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Fnagent.Processes;

/// <summary>
/// Reads a process's stderr (or stdout, when it is a log) for its whole life and hands it
/// on line by line. It never stops reading while the process writes (a flood must never
/// block the function), and a line longer than <see cref="MaxLineBytes"/> is handed on in
/// pieces. Every pump is read by one thread, the agent's log loop (a
/// <see cref="ReadinessLoop"/>), which reads what a pipe holds when it turns readable and
/// hands the lines on itself: no thread-pool thread is needed to deliver a log line, and
/// the pump knows exactly when bytes have left the pipe but are not handed on yet. A sink
/// that blocks holds up the logs (and, once a pipe is full, the function writing it),
/// never the agent's sockets or thread pool.
/// </summary>
internal sealed class LinePump
{
    public const int MaxLineBytes = 16 * 1024;

    private const int EAgain = 11;

    // Reads per turn: a flooding function gives the loop back to the other pipes after at
    // most this many buffers.
    private const int ReadsPerTurn = 4;

    private static readonly ReadinessLoop Loop = new("fnagent logs");

    private readonly SafePipeHandle _pipe;
    private readonly Action<string> _onLine;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _key;
    private byte[]? _buffer;
    private int _filled;

    // True from before a read takes bytes from the pipe until they are handed on.
    private volatile bool _reading;
    private volatile bool _ended;
    private TaskCompletionSource _turn = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Takes over <paramref name="pipe"/> (a read end set to O_NONBLOCK) and starts reading it.</summary>
    public LinePump(SafePipeHandle pipe, Action<string> onLine)
    {
        _pipe = pipe;
        _onLine = onLine;
        _key = Loop.Watch(pipe, OnReadable);
    }

    /// <summary>Completes when the pipe reached its end (every line handed on) or the pump was stopped.</summary>
    public Task Drained => _drained.Task;

    /// <summary>Stops reading and closes the pipe; what was not read yet is dropped.</summary>
    public void Stop()
    {
        Loop.Unwatch(_key);
        _ended = true;
        Interlocked.Exchange(ref _turn, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        _drained.TrySetResult();
    }

    /// <summary>
    /// Waits (at most <paramref name="limit"/>) until every byte already written to the
    /// pipe has been handed on. stderr and stdout are separate pipes: a line a function
    /// logged before answering may still be unread when its answer arrives.
    /// </summary>
    public async ValueTask CatchUpAsync(TimeSpan limit)
    {
        var until = Environment.TickCount64 + (long)limit.TotalMilliseconds;

        // A turn reads up to 4 buffers, about what a pipe holds: after a few turns, whatever
        // was in the pipe when we started has been handed on, even if a flooding function
        // keeps it full.
        for (var turns = 0; turns < 4 && !_ended && Environment.TickCount64 < until; turns++)
        {
            var turn = Volatile.Read(ref _turn).Task;
            if (_ended)
            {
                // The last turn ended the pump before we took the next one, which no read
                // will complete; its end of file may still poll readable.
                return;
            }

            // In this order: bytes are in the pipe until a read takes them, and a read takes
            // them only while _reading is set, which stays set until they are handed on.
            if (!PipePoll.IsReadable(_pipe) && !_reading)
            {
                return;
            }

            var left = Math.Max(1, until - Environment.TickCount64);
            await turn.WaitAsync(TimeSpan.FromMilliseconds(left)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    // On the log loop's thread, each time the pipe is readable or hung up.
    private bool OnReadable()
    {
        var open = true;
        _reading = true;
        try
        {
            _buffer ??= ArrayPool<byte>.Shared.Rent(MaxLineBytes * 2);
            for (var reads = 0; reads < ReadsPerTurn && open; reads++)
            {
                var read = Read(_pipe, _buffer.AsSpan(_filled));
                if (read < 0)
                {
                    var error = Marshal.GetLastPInvokeError();
                    if (error == EAgain)
                    {
                        break;
                    }

                    open = error == Libc.EIntr;
                    continue;
                }

                open = read > 0;
                _filled = HandOnLines(_buffer, _filled + (int)read, end: !open, _onLine);
            }

            if (_filled == 0 || !open)
            {
                // Nothing unfinished: an idle pump holds no buffer.
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
                _filled = 0;
            }
        }
        finally
        {
            if (!open)
            {
                _ended = true;
            }

            _reading = false;
            Interlocked.Exchange(ref _turn, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        if (!open)
        {
            _drained.TrySetResult();
        }

        return open;
    }

    private static unsafe nint Read(SafePipeHandle pipe, Span<byte> into)
    {
        fixed (byte* p = into)
        {
            return Libc.read(pipe.DangerousGetHandle().ToInt32(), p, into.Length);
        }
    }

    /// <summary>
    /// Hands on every whole line of <paramref name="buffer"/>'s first <paramref name="filled"/>
    /// bytes, and the unfinished rest when it alone is too long or <paramref name="end"/> is set;
    /// moves what is left to the start and returns its length (under <see cref="MaxLineBytes"/>).
    /// </summary>
    public static int HandOnLines(byte[] buffer, int filled, bool end, Action<string> onLine)
    {
        var start = 0;
        int newline;
        while ((newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n')) >= 0)
        {
            Emit(buffer.AsSpan(start, newline), onLine);
            start += newline + 1;
        }

        // Keep the unfinished line; if it alone is too long, or the pipe ended, hand it on.
        var pending = filled - start;
        while (pending >= MaxLineBytes || (end && pending > 0))
        {
            var piece = Math.Min(pending, MaxLineBytes);
            Emit(buffer.AsSpan(start, piece), onLine);
            start += piece;
            pending -= piece;
        }

        buffer.AsSpan(start, pending).CopyTo(buffer);
        return pending;
    }

    private static void Emit(ReadOnlySpan<byte> line, Action<string> onLine)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        try
        {
            onLine(Encoding.UTF8.GetString(line));
        }
        catch
        {
            // Logging never throws into the pump (Serilog's SafeAggregateSink habit): a
            // failing sink must not stop stderr from being drained.
        }
    }
}
