using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Short runs, in process: the whole suite takes minutes on a shared 2-core machine, and the
// project's assembly name (Fnagent.Formats.Benchmarks) differs from its .csproj name, which
// BenchmarkDotNet's out-of-process toolchain cannot find. Pass --job to override.
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
