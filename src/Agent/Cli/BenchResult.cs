namespace Fnagent.Cli;

/// <summary>What one bench run measured: counts, wall time and per-call latencies.</summary>
internal sealed record BenchResult(string Label, int Calls, int Failures, TimeSpan Elapsed, double[] LatenciesMs)
{
    public double CallsPerSecond => Elapsed > TimeSpan.Zero ? Calls / Elapsed.TotalSeconds : 0;

    public double MaxMs => LatenciesMs.Length == 0 ? 0 : LatenciesMs[^1];

    /// <summary>Nearest-rank percentile of the sorted latencies (p in 0..1).</summary>
    public double Percentile(double p) =>
        LatenciesMs.Length == 0 ? 0 : LatenciesMs[Math.Clamp((int)Math.Ceiling(p * LatenciesMs.Length) - 1, 0, LatenciesMs.Length - 1)];
}
