using System.ComponentModel;
using System.Diagnostics;
using CliWrap;

namespace Fnagent.Processes;

/// <summary>
/// Runs a command to its end through CliWrap and hands what it writes to pipe targets: the
/// agent's process work that is not a function serving calls (a build, a command of the
/// Direktiv command runner). Thread-safe: every run is its own.
/// </summary>
/// <remarks>
/// Steps of a run:
/// 1. argv[0] is resolved against the command's own PATH; the command is wrapped to run in
///    the sandbox (<see cref="Sandbox"/>) as the function user (setpriv, see <see cref="FunctionUser"/>), then in setsid(1),
///    so that it leads a process group of its own, which Process.Start cannot give it (see
///    <see cref="PosixSpawn"/>). setsid execs in place: the pid is the command's.
/// 2. CliWrap starts it synchronously, so a launch error throws at once, with exactly the
///    given environment (nothing of the agent's) and only its three pipes
///    (see <see cref="InheritedDescriptors"/>); its stdin is empty. It starts from a spawn
///    thread (see <see cref="SpawnThreads"/>).
/// 3. It is moved into its cgroups just after, off the path (a command that forks at once,
///    before the move, has children outside them: unlike a function process it cannot start inside).
/// 4. When it exits, what it left in its group and its cgroup is killed, as the reaper does for
///    a function process. When the run is cancelled, its whole group is killed at once; CliWrap
///    then kills the tree it can see (Process.Kill(entireProcessTree: true), which misses a
///    child whose parent is gone) and stops reading.
/// 5. CliWrap reads stdout and stderr to their end; the cgroup is released, and what is still
///    in it killed.
/// </remarks>
internal static class CollectedCommand
{
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs <paramref name="spec"/> (its command, environment, working directory, user and
    /// limits) to its end and returns the exit code (128+N when killed by signal N).
    /// Throws <see cref="ProcessStartException"/> when it cannot start, and
    /// <see cref="OperationCanceledException"/> once a cancelled run is killed.
    /// <paramref name="started"/>, when given, gets the pid as soon as the process runs.
    /// </summary>
    public static async Task<int> RunAsync(ProcessSpec spec, PipeTarget stdout, PipeTarget stderr, CancellationToken cancellationToken,
        Action<int>? started = null)
    {
        // Step 1: the command's argv.
        var program = ExecutableLookup.Resolve(spec.Command[0], spec.WorkingDirectory, spec.Environment.GetValueOrDefault("PATH"));
        var argv = FunctionProcess.Argv(spec, program);
        if (Setsid is { } setsid)
        {
            argv.Insert(0, setsid);
        }

        // Step 2: the start.
        InheritedDescriptors.CloseOnExec();
        var group = new Group(spec.Limits is { } limits ? ResourceGroup.Take(limits) : null);
        var command = global::CliWrap.Cli.Wrap(argv[0])
            .WithArguments(argv.Skip(1))
            .WithWorkingDirectory(spec.WorkingDirectory)
            .WithStandardOutputPipe(stdout)
            .WithStandardErrorPipe(stderr)
            .WithValidation(CommandResultValidation.None);
        CommandTask<CommandResult> run;
        bool inside;
        try
        {
            // From a spawn thread (the sandbox dies with the agent), but never inside the
            // groups: CliWrap may start thread-pool threads there, which would stay in them.
            run = SpawnThreads.Run(null, () => command.ExecuteAsync(info => Replace(info.Environment, spec.Environment), group.Watch, cancellationToken), out inside);
        }
        catch (Win32Exception e)
        {
            group.Limits?.Release();
            throw new ProcessStartException($"'{spec.Command[0]}' cannot start: {e.InnerException?.Message ?? e.Message}", e);
        }
        catch
        {
            group.Limits?.Release();
            throw;
        }

        group.Placed(inside);

        started?.Invoke(run.ProcessId);

        try
        {
            // Step 4: registered after CliWrap's own kill, so it runs first.
            await using (cancellationToken.UnsafeRegister(static g => ((Group)g!).Kill(), group).ConfigureAwait(false))
            {
                return (await run.ConfigureAwait(false)).ExitCode;
            }
        }
        catch (TimeoutException e) when (cancellationToken.IsCancellationRequested)
        {
            // CliWrap gave up waiting for the exit 3 s after its kill.
            throw new OperationCanceledException(e.Message, e, cancellationToken);
        }
        finally
        {
            // Step 5: the cgroup.
            await group.ReleaseAsync().ConfigureAwait(false);
        }
    }

    private static void Replace(IDictionary<string, string?> environment, IReadOnlyDictionary<string, string> with)
    {
        environment.Clear();
        foreach (var (name, value) in with)
        {
            environment[name] = value;
        }
    }

    /// <summary>A run's process group (led by its pid, through setsid) and cgroups.</summary>
    private sealed class Group(ResourceGroup? limits)
    {
        private static readonly TimeSpan MoveTimeout = TimeSpan.FromSeconds(5);

        private int _pid;
        private Task<ResourceGroup?>? _limits;

        public ResourceGroup? Limits => limits;

        // Right after the start, before CliWrap waits for anything.
        public void Watch(Process process)
        {
            _pid = process.Id;
            process.Exited += (_, _) => KillLeftovers();
            if (process.HasExited)
            {
                KillLeftovers();
            }
        }

        // Once started: inside its groups already, or (step 3) moved in off the path (a move
        // into a cgroup can wait for an RCU grace period).
        public void Placed(bool inside)
        {
            if (inside)
            {
                limits!.Watch();
            }

            _limits = limits is null || inside ? Task.FromResult(limits) : Task.Run(() =>
            {
                limits.Add(_pid);
                limits.Watch();
                return (ResourceGroup?)limits;
            });
        }

        public void Kill() => ProcessGroup.Kill(_pid);

        public async Task ReleaseAsync()
        {
            if (_limits is { } move && await move.ResultOrAsync(MoveTimeout, null).ConfigureAwait(false) is { } group)
            {
                group.Release();
            }
        }

        // Step 4: at the exit. Once the leader has exited, the group id stays its own while a
        // member lives; without setsid there is no group of that id and the kill is a no-op.
        private void KillLeftovers()
        {
            ProcessGroup.Kill(_pid);
            if (_limits is { IsCompletedSuccessfully: true, Result: { } limit })
            {
                limit.KillMembers();
            }
        }
    }
}
