using Fnagent.Formats;

namespace Fnagent.Functions;

/// <summary>
/// The codec of every format that has one (<see cref="FormatRow.NewCodec"/>), built once per
/// agent with its limits. Codecs are immutable: safe to share between calls and threads.
/// </summary>
public sealed class FormatCodecs
{
    private readonly IFunctionFormat?[] _codecs;

    public FormatCodecs(AgentOptions options)
    {
        var limits = options.Limits.ForFormats();
        _codecs = [.. FunctionFormats.All.Select(row => row.NewCodec?.Invoke(limits))];
    }

    /// <summary>The codec of <paramref name="format"/>: an array read. Throws for a format without one.</summary>
    public IFunctionFormat For(FunctionFormat format) =>
        _codecs[(int)format] ?? throw new ArgumentException($"format {FunctionFormats.Of(format).Name} has no codec", nameof(format));
}
