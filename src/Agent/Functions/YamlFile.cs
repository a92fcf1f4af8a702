using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Functions;

/// <summary>
/// Loads the one YAML mapping a func.yml, func.yaml or app.yml holds, or the one problem
/// that stops it (not UTF-8, a syntax error, empty, several documents, not a mapping), with
/// its line. Pure: it reads no file.
/// </summary>
internal static class YamlFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Decodes <paramref name="content"/> as UTF-8, with or without a byte order mark. Bytes
    /// that are not UTF-8 are an error naming their line; decoding them to U+FFFD would load
    /// a value the file never held (a cmd argument or config value quietly changed).
    /// </summary>
    public static string? Decode(string path, ReadOnlySpan<byte> content, out FunctionLoadError? error)
    {
        error = null;
        if (content.StartsWith("\uFEFF"u8))
        {
            content = content[3..];
        }

        try
        {
            return StrictUtf8.GetString(content);
        }
        catch (DecoderFallbackException ex)
        {
            var at = Math.Clamp(ex.Index, 0, content.Length);
            var before = content[..at];
            var line = before.Count((byte)'\n') + 1;
            var column = at - (before.LastIndexOf((byte)'\n') + 1) + 1;
            error = new FunctionLoadError(path, null, line,
                $"not valid UTF-8 at column {column} (byte 0x{ex.BytesUnknown?.FirstOrDefault() ?? content[at]:X2}); the file must be UTF-8");
            return null;
        }
    }

    /// <summary>The root mapping of <paramref name="text"/>, or null and the reason; <paramref name="whenEmpty"/> says what an empty file lacks.</summary>
    public static YamlMappingNode? Load(string path, string text, string whenEmpty, out FunctionLoadError? error)
    {
        error = null;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            error = new FunctionLoadError(path, null, (int)ex.Start.Line, $"YAML syntax error at column {ex.Start.Column}: {SyntaxMessage(ex)}");
            return null;
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet 16.3 throws this, without a position, on some malformed flow
            // collections (an unclosed "[x, y" followed by more keys).
            error = new FunctionLoadError(path, null, null, $"YAML syntax error: {ex.Message}");
            return null;
        }

        if (stream.Documents.Count == 0 || (stream.Documents[0].RootNode is YamlScalarNode first && FunctionFileReader.IsNull(first)))
        {
            error = new FunctionLoadError(path, null, null, "the file is empty; " + whenEmpty);
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            error = new FunctionLoadError(path, null, (int)stream.Documents[1].RootNode.Start.Line, $"expected one YAML document, found {stream.Documents.Count}");
            return null;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var node = stream.Documents[0].RootNode;
            error = new FunctionLoadError(path, null, (int)node.Start.Line, $"expected a mapping of keys like 'name: hello', got {FunctionFileReader.Describe(node)}");
            return null;
        }

        return root;
    }

    /// <summary>
    /// The values of the keys of <paramref name="root"/> that are in <paramref name="known"/>;
    /// every other key is reported in <paramref name="unknown"/> (or left out silently when
    /// <paramref name="unknown"/> is null).
    /// </summary>
    public static Dictionary<string, YamlNode> Values(string path, YamlMappingNode root, IReadOnlyList<string> known, List<FunctionLoadError>? unknown, List<string>? others = null)
    {
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in root.Children)
        {
            if (keyNode is YamlScalarNode { Value: { } key } && known.Contains(key))
            {
                values[key] = valueNode;
                continue;
            }

            var shown = keyNode is YamlScalarNode { Value: { } k } ? k : FunctionFileReader.Describe(keyNode);
            others?.Add(shown);
            unknown?.Add(new FunctionLoadError(path, shown, (int)keyNode.Start.Line, $"unknown key; known keys are {string.Join(", ", known)}"));
        }

        return values;
    }

    // YamlException.Message starts with "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the
    // line and column are reported separately, so keep only the explanation.
    private static string SyntaxMessage(YamlException ex)
    {
        var message = ex.Message;
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && marker >= 0 ? message[(marker + 3)..] : message;
    }
}
