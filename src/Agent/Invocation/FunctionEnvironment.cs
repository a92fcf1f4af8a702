using Fnagent.Functions;

namespace Fnagent.Invocation;

/// <summary>
/// The exact environment of a function process (docs/protocols.md §1; a cold format's codec
/// adds the call's own variables: <see cref="Formats.IFunctionFormat.AddCallEnvironment"/>).
/// Built from nothing: the agent's own environment never leaks into it.
/// </summary>
public static class FunctionEnvironment
{
    /// <summary>What every process of <paramref name="function"/> gets at start, hot or cold.</summary>
    public static Dictionary<string, string> ForProcess(FunctionDefinition function, string path, string privateDirectory)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = path,
            ["HOME"] = privateDirectory,
            ["LANG"] = "C.UTF-8",
            ["TMPDIR"] = privateDirectory,
        };

        // Config may override the base (a function may want its own PATH), but not the
        // FN_* variables below: those are the protocol.
        foreach (var (key, value) in function.Config)
        {
            env[key] = value;
        }

        env["FN_APP_NAME"] = function.App;
        env["FN_PATH"] = function.Route;
        env["FN_NAME"] = function.Name;
        env["FN_FORMAT"] = FunctionFormats.Of(function.Format).Name;
        env["FN_TYPE"] = function.Type == FunctionType.Async ? "async" : "sync";
        env["FN_MEMORY"] = function.MemoryMb.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (function.Cpus is { } cpus)
        {
            env["FN_CPUS"] = cpus;
        }

        return env;
    }
}
