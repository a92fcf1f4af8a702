namespace Fnagent.Formats;

/// <summary>Size limits a format enforces on what it reads and writes. Immutable, shareable.</summary>
public sealed record FormatLimits
{
    /// <summary>Default limits.</summary>
    public static FormatLimits Default { get; } = new();

    /// <summary>
    /// Largest response: the whole object for json; the body, counted as it streams, for
    /// http and default. 10 MiB by default.
    /// </summary>
    public long MaxResponseSize { get; init; } = 10 * 1024 * 1024;

    /// <summary>Largest http response head (status line and headers). 64 KiB by default.</summary>
    public int MaxHeadSize { get; init; } = 64 * 1024;

    /// <summary>Longest http line: status line, header line or chunk-size line. 8 KiB by default.</summary>
    public int MaxLineLength { get; init; } = 8 * 1024;

    /// <summary>Largest request body the json format reads whole into its request line. 10 MiB by default.</summary>
    public long MaxRequestSize { get; init; } = 10 * 1024 * 1024;
}
