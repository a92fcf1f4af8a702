using Fnagent.Functions;
using Fnagent.Processes;

namespace Fnagent.Invocation;

/// <summary>
/// Starts a process of a function, hot or cold, the one way: an empty private directory,
/// the exact environment of docs/protocols.md §1 (plus what the caller adds for its
/// format), the function's folder, its memory limit, and the user functions run as.
/// </summary>
public static class FunctionLaunch
{
    /// <summary>
    /// Throws <see cref="ProcessStartException"/> when the process cannot start, leaving no
    /// private directory behind. <paramref name="addEnvironment"/> gets the environment and
    /// the private directory before the start.
    /// </summary>
    public static FunctionProcess Start(FunctionDefinition function, AgentOptions options, bool stdoutIsLog,
        Action<Dictionary<string, string>, string>? addEnvironment, Action<string> onOutputLine)
    {
        var owner = $"{function.App}/{function.Name}";
        var user = options.User;
        var privateDirectory = PrivateDirectories.Take(owner, user);
        try
        {
            var env = FunctionEnvironment.ForProcess(function, options.FunctionPath, privateDirectory);
            addEnvironment?.Invoke(env, privateDirectory);
            return FunctionProcess.Start(
                new ProcessSpec
                {
                    Command = function.Command,
                    Environment = env,
                    WorkingDirectory = function.Directory,
                    PrivateDirectory = privateDirectory,
                    PrivateDirectoryOwner = owner,
                    MemoryLimitBytes = function.MemoryMb * 1024L * 1024L,
                    User = user,
                    StdoutIsLog = stdoutIsLog,
                    OutputDrainAfterExit = options.Limits.OutputDrainAfterExit,
                },
                onOutputLine);
        }
        catch
        {
            PrivateDirectories.Remove(privateDirectory);
            throw;
        }
    }
}
