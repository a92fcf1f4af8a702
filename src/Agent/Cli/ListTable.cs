using Spectre.Console;

namespace Fnagent.Cli;

/// <summary>A listing printed as a table: rounded on a terminal, ASCII and wide enough that no id wraps when piped.</summary>
internal static class ListTable
{
    public static void Write(string[] columns, IEnumerable<string[]> rows)
    {
        var console = AnsiConsole.Console;
        if (!console.Profile.Out.IsTerminal)
        {
            console.Profile.Width = Math.Max(console.Profile.Width, 200);
        }

        var table = new Table().Border(console.Profile.Out.IsTerminal ? TableBorder.Rounded : TableBorder.Ascii).AddColumns(columns);
        foreach (var row in rows)
        {
            table.AddRow([.. row.Select(Markup.Escape)]);
        }

        console.Write(table);
    }
}
