namespace Fnagent.Api;

/// <summary>
/// One function of Sonr's table (docs/protocols.md §9), as <c>/v1/sonr/functions</c> shows it:
/// its name and management id, its controller's DID, its binary's CID, its callback (null
/// when its output is the response), its parameters and its network (<c>none</c> or <c>host</c>).
/// </summary>
public sealed record SonrFunctionInfo(string Name, string Id, string Controller, string Binary, string? Callback, IReadOnlyList<string> Params, string Network);

/// <summary><c>GET /v1/sonr/functions</c>: every Sonr function, by name.</summary>
public sealed record SonrFunctionList(IReadOnlyList<SonrFunctionInfo> Items);
