using Fnagent.Functions;
using Fnagent.State.Blobs;

namespace Fnagent.Sonr;

/// <summary>
/// A call of a Sonr function as its target names it, checked in the order of docs/protocols.md §9:
/// <c>/v1/functions/{name}/{did}/{cid}</c> with the function's declared parameters as the query.
/// </summary>
public sealed record SonrCall(FunctionDefinition Function, Cid Content, IReadOnlyDictionary<string, string> Params)
{
    /// <summary>The path the calls come to, before the name.</summary>
    public const string Prefix = "/v1/functions/";

    /// <summary>
    /// The call <paramref name="target"/> (path and query as received) names, or null with the
    /// status and the reason: 404 no such function, 400 a DID or CID that is none, 403 a DID
    /// that does not control the function, 400 a parameter it does not declare.
    /// </summary>
    public static SonrCall? Read(IFunctionRegistry registry, string target, out int status, out string? problem)
    {
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? target : target[..query];
        var segments = path.StartsWith(Prefix, StringComparison.Ordinal) ? path[Prefix.Length..].Split('/') : [];
        (status, problem) = (400, null);
        if (segments.Length != 3)
        {
            problem = $"expected {Prefix}{{name}}/{{did}}/{{cid}}";
            return null;
        }

        var (name, did, cidText) = (Uri.UnescapeDataString(segments[0]), Uri.UnescapeDataString(segments[1]), Uri.UnescapeDataString(segments[2]));
        if (!registry.TryFindSonr(name, out var function))
        {
            (status, problem) = (404, $"no Sonr function \"{name}\"");
            return null;
        }

        if (SonrFunction.DidProblem(did) is { } didProblem)
        {
            problem = $"did: {didProblem}, got \"{did}\"";
            return null;
        }

        if (Cid.TryParse(cidText, out var cidProblem) is not { } cid)
        {
            problem = $"cid: {cidProblem}, got \"{cidText}\"";
            return null;
        }

        var sonr = function.Sonr!;
        if (did != sonr.Controller)
        {
            (status, problem) = (403, $"{did} is not the controller of Sonr function \"{name}\"");
            return null;
        }

        var parameters = ReadParams(query < 0 ? "" : target[(query + 1)..], sonr, name, out problem);
        return parameters is null ? null : new SonrCall(function, cid, parameters);
    }

    // The query's pairs, each a declared parameter given once (docs/protocols.md §9: strings only).
    private static Dictionary<string, string>? ReadParams(string query, SonrFunction sonr, string name, out string? problem)
    {
        problem = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Decode(pair[(equals + 1)..]);
            problem = !sonr.Params.Contains(key)
                ? $"parameter \"{key}\" is not declared by Sonr function \"{name}\" ({(sonr.Params.Count == 0 ? "it takes none" : "it takes " + string.Join(", ", sonr.Params))})"
                : values.ContainsKey(key) ? $"parameter \"{key}\" is given twice"
                : value.Contains('\0') ? $"parameter \"{key}\" holds a NUL character"
                : null;
            if (problem is not null)
            {
                return null;
            }

            values[key] = value;
        }

        return values;
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
