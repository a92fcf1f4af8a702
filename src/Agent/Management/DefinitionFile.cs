using System.Text;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Management;

/// <summary>
/// A func.yml or app.yml as the management API edits it: its mapping read, keys set or
/// removed, and written back whole, atomically (a temporary file in the same folder,
/// flushed to disk, then renamed over the old one), so the live reload never reads half a
/// file. Comments of a file written by hand do not survive an edit through the API.
/// </summary>
internal sealed class DefinitionFile
{
    private DefinitionFile(string path, YamlMappingNode root)
    {
        Path = path;
        Root = root;
    }

    public string Path { get; }

    public YamlMappingNode Root { get; }

    /// <summary>The file's mapping, or an empty one for a file that does not exist yet.</summary>
    public static DefinitionFile Open(string path)
    {
        if (!File.Exists(path))
        {
            return new DefinitionFile(path, new YamlMappingNode());
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path, Encoding.UTF8)));
        return new DefinitionFile(path, stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root ? root : new YamlMappingNode());
    }

    public YamlNode? Get(string key) => Root.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    public void Set(string key, YamlNode? value)
    {
        var name = new YamlScalarNode(key);
        if (value is null)
        {
            Root.Children.Remove(name);
        }
        else
        {
            Root.Children[name] = value;
        }
    }

    public string Text()
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(Root)).Save(writer, assignAnchors: false);

        // YamlDotNet ends a document with "...": valid, but noise in a file people read.
        var text = writer.ToString();
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> all at once: temp file, fsync, rename.</summary>
    public static void WriteAtomically(string path, string text)
    {
        var folder = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
            {
                file.Write(Encoding.UTF8.GetBytes(text));
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
