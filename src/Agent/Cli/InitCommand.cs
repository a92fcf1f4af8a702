using System.CommandLine;
using System.Text;
using Fnagent.Cli.Templates;

namespace Fnagent.Cli;

/// <summary>
/// <c>fnagent init --runtime bash|python|node|fdk-node [DIR]</c>: makes a working function
/// folder from <see cref="FunctionTemplates"/>, named after the folder. Refuses a folder that
/// already has a definition or any file the template would write.
/// </summary>
internal static class InitCommand
{
    public static Command Create()
    {
        var runtime = new Option<string>("--runtime")
        {
            Description = "The function's language",
            Required = true,
        };
        runtime.AcceptOnlyFromAmong([.. FunctionTemplates.All.Select(t => t.Runtime)]);
        var directory = new Argument<string>("DIR") { Description = "The function's folder (made when missing); its name is the function's", DefaultValueFactory = _ => "." };
        var command = new Command("init", "Make a new function folder that works as it is") { runtime, directory };
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                var folder = result.GetValue(directory)!;
                var template = FunctionTemplates.Find(result.GetValue(runtime)!)!;
                var name = NameOf(folder);
                var written = await WriteAsync(template, folder, name, cancellationToken);
                Console.Out.Write(Summary(template, folder, name, written));
                return 0;
            }
            catch (CommandFailure e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 1;
            }
        });
        return command;
    }

    /// <summary>The folder's own name made a function name: lower-cased, every other character a '-', leading '-' and '_' dropped.</summary>
    public static string NameOf(string folder)
    {
        var leaf = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        var name = new StringBuilder(leaf.Length);
        foreach (var c in leaf.ToLowerInvariant())
        {
            name.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' ? c : '-');
        }

        var sanitised = name.ToString().TrimStart('-', '_');
        return FunctionFolder.IsName(sanitised)
            ? sanitised
            : throw new CommandFailure($"cannot make a function name from the folder name \"{leaf}\": give a folder named with letters or digits");
    }

    private static async Task<List<string>> WriteAsync(FunctionTemplate template, string folder, string name, CancellationToken cancellationToken)
    {
        if (FunctionFolder.DefinitionFiles.Select(f => Path.Combine(folder, f)).FirstOrDefault(File.Exists) is { } existing)
        {
            throw new CommandFailure($"{existing} already exists: {folder} is a function folder already");
        }

        var files = template.For(name).ToList();
        if (files.Select(f => Path.Combine(folder, f.Path)).FirstOrDefault(Path.Exists) is { } taken)
        {
            throw new CommandFailure($"{taken} already exists; init writes only into a folder without it");
        }

        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var (path, text, executable) in files)
        {
            var target = Path.Combine(folder, path);
            await using (var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
            await using (var writer = new StreamWriter(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
            {
                await writer.WriteAsync(text.AsMemory(), cancellationToken);
            }

            if (executable)
            {
                File.SetUnixFileMode(target, (UnixFileMode)0b111_101_101);
            }

            written.Add(target);
        }

        return written;
    }

    private static string Summary(FunctionTemplate template, string folder, string name, List<string> written)
    {
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        var text = new StringBuilder($"Created the {template.Runtime} function {name}:\n");
        foreach (var file in written)
        {
            text.Append("  ").Append(file).Append('\n');
        }

        if (template.Note is { } note)
        {
            text.Append(note).Append('\n');
        }

        text.Append($"Next: fnagent deploy {Quoted(folder)} --app myapp\n");
        text.Append($"  or serve it here: fnagent serve --functions {Quoted(parent ?? "/")}  (then call /r/default/{name})\n");
        return text.ToString();
    }

    /// <summary>A path as a shell would need it typed: in single quotes when it holds anything but plain characters.</summary>
    private static string Quoted(string path) =>
        path.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-') ? path : "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
