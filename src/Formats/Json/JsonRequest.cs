namespace Fnagent.Formats;

/// <summary>A json-format request: the call and its whole body, already checked to be UTF-8.</summary>
public readonly record struct JsonRequest(FunctionRequest Request, ReadOnlyMemory<byte> Body);
