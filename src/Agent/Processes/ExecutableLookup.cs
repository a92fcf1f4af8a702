namespace Fnagent.Processes;

/// <summary>
/// Resolves argv[0] the way execvp would, but before the launch, so that a missing or
/// non-executable program is a clear start error instead of a wrapper's exit code.
/// </summary>
internal static class ExecutableLookup
{
    public static string Resolve(string program, string workingDirectory, string? searchPath)
    {
        if (program.Length == 0)
        {
            throw new ProcessStartException("the command is empty");
        }

        if (program.Contains('/'))
        {
            var path = Path.GetFullPath(program, workingDirectory);
            return IsExecutableFile(path)
                ? path
                : throw new ProcessStartException(File.Exists(path)
                    ? $"'{program}' is not executable (chmod +x it)"
                    : $"'{program}' not found (looked in {workingDirectory})");
        }

        foreach (var dir in (searchPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (IsExecutableFile(candidate))
            {
                return candidate;
            }
        }

        throw new ProcessStartException($"'{program}' not found on PATH {searchPath}");
    }

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
