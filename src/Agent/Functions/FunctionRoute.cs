using System.Diagnostics.CodeAnalysis;

namespace Fnagent.Functions;

/// <summary>
/// The one normal form of a route under an app, shared by func.yml parsing and lookups so
/// that <c>/hello/</c>, <c>//hello</c> and <c>/./hello</c> all name the function at <c>/hello</c>.
/// </summary>
/// <remarks>
/// Normal form: starts with <c>/</c>; empty and <c>.</c> segments removed (so no <c>//</c> and
/// no trailing slash, except the root <c>/</c> itself). Rejected: a missing leading slash,
/// <c>..</c> segments (a route never climbs), a query or fragment (<c>?</c>, <c>#</c>), blanks
/// and control characters. Routes compare ordinally: they are case-sensitive. Pure.
/// </remarks>
public static class FunctionRoute
{
    /// <summary>Normalises <paramref name="route"/>, or says why it is not a route.</summary>
    public static bool TryNormalize(
        string route,
        [NotNullWhen(true)] out string? normalized,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(route);
        normalized = null;
        if (!route.StartsWith('/'))
        {
            error = "must start with '/'";
            return false;
        }
        if (route.AsSpan().IndexOfAny('?', '#') >= 0)
        {
            error = "must not contain a query or fragment ('?' or '#')";
            return false;
        }
        foreach (var c in route)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                error = "must not contain blanks or control characters";
                return false;
            }
        }
        var segments = new List<string>();
        foreach (var segment in route.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }
            if (segment == "..")
            {
                error = "must not contain '..'";
                return false;
            }
            segments.Add(segment);
        }
        normalized = "/" + string.Join('/', segments);
        error = null;
        return true;
    }
}
