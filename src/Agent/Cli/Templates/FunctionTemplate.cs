namespace Fnagent.Cli.Templates;

/// <summary>One file <c>fnagent init</c> writes; <c>{{name}}</c> in <see cref="Text"/> becomes the function's name.</summary>
internal sealed record TemplateFile(string Path, string Text, bool Executable = false);

/// <summary>A runtime <c>fnagent init</c> knows: the files of a working function in it and the line to say after.</summary>
internal sealed record FunctionTemplate(string Runtime, IReadOnlyList<TemplateFile> Files, string? Note = null)
{
    public IEnumerable<(string Path, string Text, bool Executable)> For(string name) =>
        Files.Select(f => (f.Path, f.Text.Replace("{{name}}", name, StringComparison.Ordinal), f.Executable));
}
