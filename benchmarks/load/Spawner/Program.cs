// The cold floor of benchmarks/load/run.sh: spawns `cat` as fast as it can with
// System.Diagnostics.Process, the way the agent does (stdin, stdout and stderr piped,
// the body written, stdin closed, stdout read to its end, the exit awaited), from W
// parallel workers for S seconds, and prints "<spawns/s> <p50 ms> <p99 ms> <errors>".
// --setsid runs `setsid -- cat` instead: the agent's launch before it used posix_spawn (a new
// session and process group at the cost of one extra exec; the agent now gets the
// same with posix_spawn and POSIX_SPAWN_SETSID, one exec).
// Usage: Fnagent.Spawner [--workers 16] [--seconds 8] [--setsid]
using System.Diagnostics;

var workers = 16;
var seconds = 8.0;
var setsid = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--workers": workers = int.Parse(args[++i]); break;
        case "--seconds": seconds = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--setsid": setsid = true; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

var cat = new[] { "/usr/bin/cat", "/bin/cat" }.First(File.Exists);
var setsidPath = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);
if (setsid && setsidPath is null)
{
    Console.Error.WriteLine("setsid not found");
    return 2;
}

var body = "{\"hello\":\"world\"}"u8.ToArray();

// Warm up (JIT, page cache) before the clock starts.
await SpawnAsync();

var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
var latencies = new List<double>[workers];
var errors = 0;
var clock = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
{
    var mine = latencies[w] = new List<double>();
    while (Stopwatch.GetTimestamp() < until)
    {
        var started = Stopwatch.GetTimestamp();
        if (!await SpawnAsync())
        {
            Interlocked.Increment(ref errors);
        }

        mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
})));
clock.Stop();

var all = latencies.SelectMany(l => l).Order().ToArray();
var rate = all.Length / clock.Elapsed.TotalSeconds;
Console.WriteLine(FormattableString.Invariant($"{rate:0} {Percentile(all, 0.50):0.00} {Percentile(all, 0.99):0.00} {errors}"));
return 0;

async Task<bool> SpawnAsync()
{
    var info = new ProcessStartInfo(setsid ? setsidPath! : cat)
    {
        UseShellExecute = false,
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    if (setsid)
    {
        info.ArgumentList.Add("--");
        info.ArgumentList.Add(cat);
    }

    using var process = Process.Start(info)!;
    await process.StandardInput.BaseStream.WriteAsync(body);
    process.StandardInput.Close();
    var stderr = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
    var output = new MemoryStream();
    await process.StandardOutput.BaseStream.CopyToAsync(output);
    await stderr;
    await process.WaitForExitAsync();
    return process.ExitCode == 0 && output.Length == body.Length;
}

static double Percentile(double[] sorted, double p) =>
    sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
