using System.Text.RegularExpressions;

namespace Fnagent.Functions;

/// <summary>
/// What makes a function one of Sonr's deployable functions (docs/protocols.md §9), from its
/// func.yml's <c>sonr</c> mapping: who controls it, its binary by CID (the content store holds
/// it), where its output goes instead of the response, and the query parameters it takes.
/// Such a function is called only at <c>/v1/functions/{name}/{did}/{cid}</c>, cold, with the
/// binary as its command.
/// </summary>
public sealed partial record SonrFunction(string Controller, string Binary, Uri? Callback, IReadOnlyList<string> Params)
{
    /// <summary>The app every function the registry adds belongs to.</summary>
    public const string App = "sonr";

    /// <summary>The most parameters a function may declare.</summary>
    public const int MaxParams = 32;

    /// <summary>The longest DID, callback URL or parameter name accepted.</summary>
    public const int MaxDidLength = 256, MaxUrlLength = 2048, MaxParamLength = 64;

    /// <summary>The variable a parameter's value is given in: <c>FN_PARAM_</c> and its name in upper case.</summary>
    public static string Variable(string param) => "FN_PARAM_" + param.ToUpperInvariant();

    /// <summary>Why <paramref name="did"/> is not a DID of Sonr (<c>did:sonr:&lt;id&gt;</c> or <c>did:snr:&lt;id&gt;</c>), or null when it is one.</summary>
    public static string? DidProblem(string did) =>
        did.Length > MaxDidLength ? $"expected a DID of at most {MaxDidLength} characters"
        : DidPattern().IsMatch(did) ? null
        : "expected a DID like did:sonr:alice or did:snr:<address> (the id of letters, digits, '.', '-', '_' or ':')";

    /// <summary>Why <paramref name="name"/> cannot be a parameter, or null when it can.</summary>
    public static string? ParamProblem(string name) =>
        name.Length <= MaxParamLength && ParamPattern().IsMatch(name) ? null
        : $"expected a parameter name of letters, digits and '_' not starting with a digit (at most {MaxParamLength}), got \"{name}\"";

    /// <summary>The callback URL <paramref name="text"/> names, or null and why not: absolute http or https, a host, no fragment.</summary>
    public static Uri? ParseCallback(string text, out string? problem)
    {
        problem = text.Length > MaxUrlLength ? $"expected a URL of at most {MaxUrlLength} characters"
            : !Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0
                ? $"expected an http:// or https:// URL, got \"{text}\""
            : url.Fragment.Length > 0 ? $"expected a URL without a fragment, got \"{text}\""
            : null;
        return problem is null ? new Uri(text, UriKind.Absolute) : null;
    }

    [GeneratedRegex("^did:(?:sonr|snr):[A-Za-z0-9._:-]+$")]
    private static partial Regex DidPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ParamPattern();
}
