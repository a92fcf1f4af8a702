using Fnagent.Formats;

namespace Fnagent.Functions;

/// <summary>
/// The format catalog: one row per format the agent speaks, and the only place that says what
/// a format is (docs/protocols.md §2–5, §8). Everything that differs between formats reads
/// its row (<see cref="Of"/>) instead of comparing formats. Adding a format is one row here,
/// one codec in src/Formats and their tests.
/// </summary>
/// <remarks>
/// A row is found by its <see cref="FunctionFormat"/> value: an array read, no lookup per call.
/// Rows are in the order of the enum's values.
/// </remarks>
public static class FunctionFormats
{
    private static readonly FormatRow[] Rows =
    [
        new(FunctionFormat.Default, "default", FormatLifetime.Cold, FormatTransport.StdioPipes, FormatRunner.Cold, static l => new DefaultFormat(l)),
        new(FunctionFormat.Json, "json", FormatLifetime.Hot, FormatTransport.StdioPipes, FormatRunner.Hot, static l => new JsonFormat(l)),
        new(FunctionFormat.Http, "http", FormatLifetime.Hot, FormatTransport.StdioPipes, FormatRunner.Hot, static l => new HttpFormat(l))
        {
            HoldsBackSmallAnswers = true,
        },
        new(FunctionFormat.HttpStream, "http-stream", FormatLifetime.Hot, FormatTransport.UnixSocket, FormatRunner.Hot, static l => new HttpStreamFormat(l))
        {
            LateBytesAreTheFunctions = false,
        },
        new(FunctionFormat.Direktiv, "direktiv", FormatLifetime.Hot, FormatTransport.Tcp, FormatRunner.Direktiv, null),
    ];

    /// <summary>Every row, in the order of <see cref="FunctionFormat"/>.</summary>
    public static IReadOnlyList<FormatRow> All => Rows;

    /// <summary>The row of <paramref name="format"/>.</summary>
    public static FormatRow Of(FunctionFormat format) => Rows[(int)format];

    /// <summary>The row named <paramref name="name"/> in a func.yml, or null.</summary>
    public static FormatRow? Named(string name) => Array.Find(Rows, row => row.Name == name);

    /// <summary>Every name, quoted, for a message: <c>"default", "json", ...</c>.</summary>
    public static string QuotedNames { get; } = string.Join(", ", Rows.Select(row => $"\"{row.Name}\""));
}
