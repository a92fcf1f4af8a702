namespace Fnagent.Api;

/// <summary>The answer to <c>POST /v1/blobs</c>: the CID of what was stored (docs/protocols.md §9).</summary>
public sealed record BlobStored(string Cid);
