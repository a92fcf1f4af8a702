using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Fnagent.Functions;
using Fnagent.Processes;
using Fnagent.State;
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
/// function itself, which never sees that environment. It runs through CliWrap (see
/// <see cref="CollectedCommand"/>), in a process group of its own. Every running build is
/// known (its folder's <see cref="BuildState.Running"/>): disposing, at the agent's shutdown,
/// kills them and waits for them, so no build outlives the agent.
/// </remarks>
public sealed class FunctionBuilds : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, BuildState> _states = new(StringComparer.Ordinal);
    private readonly AgentOptions _options;
    private readonly ILogger<FunctionBuilds> _logger;
    private readonly string _stampDirectory;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationToken _stopped;
    private IFunctionRegistry? _registry;
    private Action? _buildAll;

    public FunctionBuilds(AgentOptions options, ILogger<FunctionBuilds> logger)
    {
        _options = options;
        _logger = logger;
        _stampDirectory = Path.GetFullPath(Path.Combine(options.DataDirectory, "builds"));

        // Kept apart from its source, which is disposed at shutdown while late calls may still ask.
        _stopped = _stopping.Token;
    }

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

        (_registry, _buildAll) = (registry, BuildAll);
        registry.Changed += BuildAll;
        BuildAll();
    }

    /// <summary>Whether a build of the function's folder is running now.</summary>
    public bool IsBuilding(FunctionDefinition function) =>
        _states.TryGetValue(function.Directory, out var state) && state.Last is { IsCompleted: false };

    /// <summary>Whether the last build of the function's folder failed (the next call tries again).</summary>
    public bool LastBuildFailed(FunctionDefinition function) =>
        _states.TryGetValue(function.Directory, out var state) && state.Last is { IsCompletedSuccessfully: true, Result: not null };

    /// <summary>
    /// Null when the function is built (or needs no build); else why not. The build's output
    /// goes to the agent's log and to <paramref name="log"/>, the log of the call that waits.
    /// </summary>
    public async Task<BuildFailure?> EnsureBuiltAsync(FunctionDefinition function, CallLog? log, CancellationToken cancellationToken)
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

        Task<BuildFailure?> build;
        lock (state)
        {
            build = state.Last = state.Running ??= Task.Run(() => BuildAsync(function, command, state, quick, log));
        }

        try
        {
            return await build.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new BuildFailure($"function is still building ({string.Join(' ', command)})", StillBuilding: true);
        }
    }

    /// <summary>At the agent's shutdown: kills every running build (its whole process group) and waits for it, bounded.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopped.IsCancellationRequested)
        {
            return;
        }

        if (_registry is { } registry)
        {
            registry.Changed -= _buildAll;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        var running = new List<Task>();
        foreach (var state in _states.Values)
        {
            lock (state)
            {
                if (state.Running is { } build)
                {
                    running.Add(build);
                }
            }
        }

        await Task.WhenAll(running).WaitAsync(StopTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task<BuildFailure?> BuildAsync(FunctionDefinition function, IReadOnlyList<string> command, BuildState state, string quick, CallLog? log)
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
            _logger.BuildStarted(function.App, function.Name, text, function.Directory);
            var code = await RunAsync(function, command, log).ConfigureAwait(false);
            if (code != 0)
            {
                _logger.BuildFailed(function.App, function.Name, text, code);
                return new BuildFailure($"build failed: '{text}' exited with code {code}; the call's log has its output", StillBuilding: false);
            }

            Directory.CreateDirectory(_stampDirectory);
            await File.WriteAllTextAsync(stamp, fingerprint).ConfigureAwait(false);

            // The build may have changed the manifests' times (npm rewrites the lock file's).
            state.BuiltQuickKey = BuildFingerprint.QuickKey(function.Directory, command);
            _logger.BuildSucceeded(function.App, function.Name, text);
            return null;
        }
        catch (ProcessStartException e)
        {
            return new BuildFailure($"build failed: {e.Message}", StillBuilding: false);
        }
        finally
        {
            lock (state)
            {
                state.Running = null;
            }
        }
    }

    /// <summary>The build's exit code; -1 when it ran past the build timeout or the agent stopped, and was killed.</summary>
    private async Task<int> RunAsync(FunctionDefinition function, IReadOnlyList<string> command, CallLog? log)
    {
        var output = new LineTarget(line =>
        {
            _logger.BuildOutput(function.App, function.Name, line);
            log?.Append("build: " + line);
        });
        var spec = new ProcessSpec { Command = command, Environment = OperatorEnvironment.Read(), WorkingDirectory = function.Directory };
        if (_stopped.IsCancellationRequested)
        {
            return -1;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopped);
        stop.CancelAfter(_options.Limits.BuildTimeout);
        try
        {
            return await CollectedCommand.RunAsync(spec, output, output, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return -1;
        }
    }

    private static string StampName(string directory) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(directory)))[..32] + ".stamp";

    private sealed class BuildState
    {
        public volatile string? BuiltQuickKey;
        public Task<BuildFailure?>? Running;
        public volatile Task<BuildFailure?>? Last;
    }
}
