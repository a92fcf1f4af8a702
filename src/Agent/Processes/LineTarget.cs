using System.Buffers;
using CliWrap;

namespace Fnagent.Processes;

/// <summary>
/// A CliWrap pipe target that hands a process's output on line by line, as
/// <see cref="LinePump"/> does the function processes': a line longer than
/// <see cref="LinePump.MaxLineBytes"/> goes in pieces, so no output holds more memory than that.
/// </summary>
/// <remarks>
/// A redirected stream of <see cref="System.Diagnostics.Process"/> is read through the
/// runtime's socket engine, whose completions run on the epoll threads (see
/// <c>Hosting/InlineCompletions.cs</c>). A log sink may block, and must not hold one: each
/// read hops to the thread pool before its lines are handed on. One caller at a time, as
/// CliWrap reads one stream with it.
/// </remarks>
internal sealed class LineTarget(Action<string> onLine) : PipeTarget
{
    public override async Task CopyFromAsync(Stream origin, CancellationToken cancellationToken = default)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(LinePump.MaxLineBytes * 2);
        try
        {
            var filled = 0;
            int read;
            do
            {
                read = await origin.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (!Thread.CurrentThread.IsThreadPoolThread)
                {
                    await Task.Yield();
                }

                filled = LinePump.HandOnLines(buffer, filled + read, end: read == 0, onLine);
            }
            while (read > 0);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
