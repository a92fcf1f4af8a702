using Fnagent.Formats;
using Fnagent.Functions;

namespace Fnagent.Invocation;

/// <summary>
/// The per-call environment of the <c>default</c> format (docs/protocols.md §2); what every
/// process gets at start is <see cref="Processes.FunctionLaunch.Environment"/>.
/// </summary>
public static class FunctionEnvironment
{
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
