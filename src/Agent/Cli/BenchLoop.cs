using System.Diagnostics;

namespace Fnagent.Cli;

/// <summary>
/// Runs <c>total</c> calls with at most <c>concurrency</c> in flight and times each one.
/// The call delegate returns whether the call succeeded; an exception counts as a failure.
/// <c>onDone</c> is invoked once per finished call, from any worker thread.
/// </summary>
internal static class BenchLoop
{
    public static async Task<BenchResult> RunAsync(string label, int total, int concurrency,
        Func<CancellationToken, Task<bool>> call, Action onDone, CancellationToken cancellationToken)
    {
        var latencies = new double[total];
        var next = -1;
        var failures = 0;
        var done = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Math.Clamp(concurrency, 1, total)).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < total && !cancellationToken.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await call(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    ok = false;
                }

                latencies[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (!ok)
                {
                    Interlocked.Increment(ref failures);
                }

                Interlocked.Increment(ref done);
                onDone();
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        clock.Stop();

        var measured = latencies.AsSpan(0, Math.Min(done, total)).ToArray();
        Array.Sort(measured);
        return new BenchResult(label, done, failures, clock.Elapsed, measured);
    }
}
