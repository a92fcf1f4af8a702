namespace Fnagent.Functions;

/// <summary>A problem in one func.yml: which file, which key, which line, and what.</summary>
public sealed record FunctionLoadError(string File, string? Key, int? Line, string Message)
{
    public override string ToString() =>
        $"{File}{(Line is { } l ? $":{l}" : "")}: {(Key is null ? "" : $"'{Key}': ")}{Message}";
}
