namespace Fnagent.Management;

/// <summary>
/// What <c>PUT /v1/sonr/functions/{name}</c> (and <c>fnagent function add</c>) asks for
/// (docs/protocols.md §9): the controller's DID, the binary's CID in the content store, an
/// optional callback URL, the declared parameters, and the network (none unless <c>host</c>).
/// </summary>
public sealed record SonrRegistration(string? Controller, string? Binary, string? Callback, IReadOnlyList<string>? Params, string? Network);
