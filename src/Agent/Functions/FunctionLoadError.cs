namespace Fnagent.Functions;

/// <summary>
/// A problem in one func.yml: which file, which key, which line, and what; <paramref name="Conflict"/>
/// when the file is valid but another one holds its place (a route, trigger source, name or app).
/// </summary>
public sealed record FunctionLoadError(string File, string? Key, int? Line, string Message, bool Conflict = false)
{
    public override string ToString() =>
        $"{File}{(Line is { } l ? $":{l}" : "")}: {(Key is null ? "" : $"'{Key}': ")}{Message}";
}
