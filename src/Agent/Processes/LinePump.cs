using System.Buffers;
using System.Text;

namespace Fnagent.Processes;

/// <summary>
/// Reads a process's stderr (or stdout, when it is a log) for its whole life and hands it on line by line. It never
/// stops reading while the process writes (a flood must never block the function), and a
/// line longer than <see cref="MaxLineBytes"/> is handed on in pieces.
/// </summary>
internal sealed class LinePump(Stream source, Action<string> onLine)
{
    public const int MaxLineBytes = 16 * 1024;

    // The read in progress: while it is pending, every byte the pump took from the pipe has
    // been handed on. A task is marked complete before its continuation runs, so there is
    // no moment where bytes have left the pipe but the pump looks idle.
    private volatile Task<int>? _reading;
    private volatile bool _ended;
    private TaskCompletionSource _batch = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Waits (at most <paramref name="limit"/>) until every byte already written to stderr
    /// has been handed on. stderr and stdout are separate pipes: a line a function logged
    /// before answering may still be unread when its answer arrives.
    /// </summary>
    public async ValueTask CatchUpAsync(TimeSpan limit)
    {
        var until = Environment.TickCount64 + (long)limit.TotalMilliseconds;

        // A pipe holds at most 64 KiB and a batch takes up to 32 KiB of it: after a few
        // batches, whatever was in the pipe when we started has been handed on, even if a
        // flooding function keeps the pipe full.
        for (var batches = 0; batches < 4 && !_ended && Environment.TickCount64 < until; batches++)
        {
            var batch = Volatile.Read(ref _batch).Task;
            if (_reading is { IsCompleted: false } && !PipePoll.IsReadable(source))
            {
                return;
            }

            var left = Math.Max(1, until - Environment.TickCount64);
            await batch.WaitAsync(TimeSpan.FromMilliseconds(left)).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    public async Task RunAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxLineBytes * 2);
        try
        {
            var filled = 0;
            while (true)
            {
                int read;
                try
                {
                    var reading = source.ReadAsync(buffer.AsMemory(filled, buffer.Length - filled)).AsTask();
                    _reading = reading;
                    read = await reading.ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    read = 0;
                }

                if (!Thread.CurrentThread.IsThreadPoolThread)
                {
                    // An epoll thread completed the read (InlineCompletions): log sinks may
                    // block, and a flooding function must not hold up everyone's sockets.
                    await Task.Yield();
                }

                if (read == 0)
                {
                    if (filled > 0)
                    {
                        Emit(buffer.AsSpan(0, filled), onLine);
                    }

                    _ended = true;
                    _batch.TrySetResult();
                    return;
                }

                filled += read;
                var start = 0;
                while (true)
                {
                    var newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n');
                    if (newline < 0)
                    {
                        break;
                    }

                    Emit(buffer.AsSpan(start, newline), onLine);
                    start += newline + 1;
                }

                // Keep the unfinished line; if it alone is too long, hand on a piece of it.
                var pending = filled - start;
                if (pending >= MaxLineBytes)
                {
                    Emit(buffer.AsSpan(start, MaxLineBytes), onLine);
                    start += MaxLineBytes;
                    pending -= MaxLineBytes;
                }

                buffer.AsSpan(start, pending).CopyTo(buffer);
                filled = pending;
                Interlocked.Exchange(ref _batch, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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
