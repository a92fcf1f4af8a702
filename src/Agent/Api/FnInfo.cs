namespace Fnagent.Api;

/// <summary>
/// A function in Fn's v2 API (docs/management.md): Fn's fields (<c>memory</c>, <c>timeout</c>,
/// <c>idle_timeout</c>, <c>config</c>, <c>annotations</c>) and this agent's, named as in func.yml.
/// <c>version</c> is the uploaded code serving now (null: none uploaded, the folder itself);
/// <c>notes</c> say what of its file was ignored. <c>auth</c> is the function's own (null:
/// its app's), <c>effective_auth</c> what its callers meet; <c>cmd</c> is null until it has code.
/// <c>pids</c> and <c>tmp_size</c> are null where the func.yml leaves them to the agent's limits.
/// </summary>
public sealed record FnInfo(
    string Id, string Name, string AppId, IReadOnlyList<string>? Cmd, string Format, string Type, string Route,
    int Memory, double Timeout, double IdleTimeout, string? Cpus, int? Pids, int? TmpSize, string Network, bool WritableFolder,
    int MaxConcurrency, int MinIdle, int AsyncConcurrency, int Retries,
    IReadOnlyDictionary<string, string> Config, IReadOnlyDictionary<string, string> Headers, IReadOnlyList<string>? Build,
    IReadOnlyDictionary<string, string> Annotations, string? Auth, string EffectiveAuth, bool HasCode, int? Version, string File, IReadOnlyList<string> Notes,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
