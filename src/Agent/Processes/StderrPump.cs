using System.Buffers;
using System.Text;

namespace Fnagent.Processes;

/// <summary>
/// Reads a process's stderr for its whole life and hands it on line by line. It never
/// stops reading while the process writes (a flood must never block the function), and a
/// line longer than <see cref="MaxLineBytes"/> is handed on in pieces.
/// </summary>
internal static class StderrPump
{
    public const int MaxLineBytes = 16 * 1024;

    public static async Task RunAsync(Stream stderr, Action<string> onLine)
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
                    read = await stderr.ReadAsync(buffer.AsMemory(filled, buffer.Length - filled)).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    read = 0;
                }

                if (read == 0)
                {
                    if (filled > 0)
                    {
                        Emit(buffer.AsSpan(0, filled), onLine);
                    }

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
