using Fnagent.Formats;
using Fnagent.Functions;

namespace Fnagent.Invocation;

/// <summary>
/// The exact environment of a function process (docs/protocols.md §1 and §2). Built
/// from nothing: the agent's own environment never leaks into it.
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
        env["FN_FORMAT"] = FormatName(function.Format);
        env["FN_TYPE"] = function.Type == FunctionType.Async ? "async" : "sync";
        env["FN_MEMORY"] = function.MemoryMb.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (function.Cpus is { } cpus)
        {
            env["FN_CPUS"] = cpus;
        }

        return env;
    }

    /// <summary>Adds the per-call variables of the <c>default</c> format.</summary>
    public static void AddCall(Dictionary<string, string> env, FunctionRequest request)
    {
        env["FN_CALL_ID"] = request.CallId;
        env["FN_DEADLINE"] = request.DeadlineText;
        env["FN_METHOD"] = request.Method;
        env["FN_REQUEST_URL"] = request.RequestUrl;
        HashSet<string>? fromHeaders = null;
        foreach (var (name, values) in request.Headers)
        {
            // Departure from the seed (docs/protocols.md §2): no bare $X variables, and
            // names outside [A-Za-z0-9_-] are dropped rather than mangled.
            if (HeaderVariable(name) is not { } variable)
            {
                continue;
            }

            // X-User and X_User name the same variable: their values are joined in request
            // order, like repeated values. The last one used to win, which let a caller add
            // X_User to override the X-User a proxy set after stripping the caller's own.
            var joined = string.Join(", ", values);
            env[variable] = (fromHeaders ??= new(StringComparer.Ordinal)).Add(variable) ? joined : env[variable] + ", " + joined;
        }
    }

    public static string FormatName(FunctionFormat format) => format switch
    {
        FunctionFormat.Default => "default",
        FunctionFormat.Json => "json",
        FunctionFormat.Http => "http",
        FunctionFormat.HttpStream => "http-stream",
        FunctionFormat.Direktiv => "direktiv",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    internal static string? HeaderVariable(string headerName) =>
        headerName.Length > 0 && headerName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? "FN_HEADER_" + headerName.ToUpperInvariant().Replace('-', '_')
            : null;
}
