using System.Collections;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Fnagent.Functions;
using Fnagent.Hosting;
using Fnagent.Invocation;
using Fnagent.Processes;
using Microsoft.Extensions.Logging;

namespace Fnagent.Builds;

/// <summary>
/// Runs a function's <c>build</c> command (e.g. <c>npm ci</c>) in its folder before the
/// function first starts, and again only when what the build depends on changed
/// (<see cref="BuildFingerprint"/>). One build at a time per folder; callers that arrive
/// meanwhile wait for it (bounded by their own deadline, while the build runs on). A
/// successful build is remembered in the data folder, so an agent restart does not rebuild.
/// </summary>
/// <remarks>
/// A build is a deployment step run as the agent's operator would run it by hand: with
/// the agent's own environment (npm needs its registry settings and cache), unlike the
/// function itself, which never sees that environment.
/// </remarks>
public sealed class FunctionBuilds(AgentOptions options, ILogger<FunctionBuilds> logger)
{
    private readonly ConcurrentDictionary<string, BuildState> _states = new(StringComparer.Ordinal);
    private readonly string _stampDirectory = Path.GetFullPath(Path.Combine(options.DataDirectory, "builds"));

    /// <summary>
    /// Starts, in the background, the builds every loaded function needs, now and whenever
    /// the set of functions changes: the first call then finds its function built.
    /// </summary>
    public void BuildAhead(IFunctionRegistry registry)
    {
        void BuildAll()
        {
            foreach (var function in registry.All.Where(f => f.Build is not null))
            {
                _ = EnsureBuiltAsync(function, null, CancellationToken.None);
            }
        }

        registry.Changed += BuildAll;
        BuildAll();
    }

    /// <summary>Whether a build of the function's folder is running now.</summary>
    public bool IsBuilding(FunctionDefinition function) =>
        _states.TryGetValue(function.Directory, out var state) && state.Last is { IsCompleted: false };

    /// <summary>Whether the last build of the function's folder failed (the next call tries again).</summary>
    public bool LastBuildFailed(FunctionDefinition function) =>
        _states.TryGetValue(function.Directory, out var state) && state.Last is { IsCompletedSuccessfully: true, Result: not null };

    /// <summary>Null when the function is built (or needs no build); else the error for the caller.</summary>
    public async Task<FunctionError?> EnsureBuiltAsync(FunctionDefinition function, Call? call, CancellationToken cancellationToken)
    {
        if (function.Build is not { Count: > 0 } command)
        {
            return null;
        }

        var state = _states.GetOrAdd(function.Directory, _ => new BuildState());
        var quick = BuildFingerprint.QuickKey(function.Directory, command);
        if (state.BuiltQuickKey == quick)
        {
            return null;
        }

        Task<FunctionError?> build;
        lock (state)
        {
            build = state.Last = state.Running ??= Task.Run(() => BuildAsync(function, command, state, quick, call));
        }

        try
        {
            return await build.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new FunctionError(FunctionErrorKind.Timeout, $"function is still building ({string.Join(' ', command)})");
        }
    }

    private async Task<FunctionError?> BuildAsync(FunctionDefinition function, IReadOnlyList<string> command, BuildState state, string quick, Call? call)
    {
        try
        {
            var fingerprint = BuildFingerprint.Compute(function.Directory, command);
            var stamp = Path.Combine(_stampDirectory, StampName(function.Directory));
            if (File.Exists(stamp) && await File.ReadAllTextAsync(stamp).ConfigureAwait(false) == fingerprint)
            {
                state.BuiltQuickKey = quick;
                return null;
            }

            var text = string.Join(' ', command);
            logger.BuildStarted(function.App, function.Name, text, function.Directory);
            var code = await RunAsync(function, command, call).ConfigureAwait(false);
            if (code != 0)
            {
                logger.BuildFailed(function.App, function.Name, text, code);
                return new FunctionError(FunctionErrorKind.StartFailed, $"build failed: '{text}' exited with code {code}; the call's log has its output");
            }

            Directory.CreateDirectory(_stampDirectory);
            await File.WriteAllTextAsync(stamp, fingerprint).ConfigureAwait(false);

            // The build may have changed the manifests' times (npm rewrites the lock file's).
            state.BuiltQuickKey = BuildFingerprint.QuickKey(function.Directory, command);
            logger.BuildSucceeded(function.App, function.Name, text);
            return null;
        }
        catch (ProcessStartException e)
        {
            return new FunctionError(FunctionErrorKind.StartFailed, $"build failed: {e.Message}");
        }
        finally
        {
            lock (state)
            {
                state.Running = null;
            }
        }
    }

    private async Task<int> RunAsync(FunctionDefinition function, IReadOnlyList<string> command, Call? call)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            env[(string)entry.Key] = (string?)entry.Value ?? "";
        }

        InlineCompletions.RemoveFrom(env);

        var process = FunctionProcess.Start(
            new ProcessSpec { Command = command, Environment = env, WorkingDirectory = function.Directory, StdoutIsLog = true },
            line =>
            {
                logger.BuildOutput(function.App, function.Name, line);
                call?.Log.Append("build: " + line);
            });
        await using (process.ConfigureAwait(false))
        {
            var code = await process.Exited.WaitAsync(options.Limits.BuildTimeout).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : -1, TaskScheduler.Default).ConfigureAwait(false);
            await process.StderrDrained.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            return code;
        }
    }

    private static string StampName(string directory) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(directory)))[..32] + ".stamp";

    private sealed class BuildState
    {
        public volatile string? BuiltQuickKey;
        public Task<FunctionError?>? Running;
        public volatile Task<FunctionError?>? Last;
    }
}
