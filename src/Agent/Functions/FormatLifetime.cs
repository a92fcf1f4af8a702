namespace Fnagent.Functions;

/// <summary>Whether a format's processes live for one call or serve many (a row of <see cref="FunctionFormats"/>).</summary>
public enum FormatLifetime
{
    /// <summary>One process per call, started for it and gone when it ends.</summary>
    Cold,

    /// <summary>Processes kept alive between calls, one call at a time each.</summary>
    Hot,
}
