using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Functions;

/// <summary>
/// Reads the values of one func.yml mapping, one typed accessor per kind of key, and
/// collects a <see cref="FunctionLoadError"/> with file, key and line for every bad value.
/// Each accessor returns null when the key is absent, null, or invalid (then an error was
/// recorded), so the caller substitutes the default and still sees every problem at once.
/// </summary>
internal sealed partial class FunctionFileReader(string file, IReadOnlyDictionary<string, YamlNode> values)
{
    private readonly List<FunctionLoadError> _errors = [];

    public IReadOnlyList<FunctionLoadError> Errors => _errors;

    /// <summary>The file the values came from, as errors name it.</summary>
    public string File => file;

    /// <summary>Whether <paramref name="text"/> is a valid name or app (<see cref="Identifier"/>).</summary>
    public static bool IsIdentifier(string text) => IdentifierPattern().IsMatch(text);

    public void Error(string? key, YamlNode? node, string message) =>
        ErrorAt(key, node is null ? null : (int)node.Start.Line, message);

    public void ErrorAt(string? key, int? line, string message) =>
        _errors.Add(new FunctionLoadError(file, key, line, message));

    /// <summary>The value node of <paramref name="key"/>, or null when absent or written as null (<c>key:</c>, <c>~</c>).</summary>
    public YamlNode? Node(string key) =>
        values.TryGetValue(key, out var node) && !IsNull(node) ? node : null;

    /// <summary>The line of <paramref name="key"/>'s value, or null when absent.</summary>
    public int? Line(string key) => values.TryGetValue(key, out var node) ? (int)node.Start.Line : null;

    public string? Text(string key, string what)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }
        if (node is YamlScalarNode { Value: { } text })
        {
            return text;
        }
        Error(key, node, $"expected {what}, got {Describe(node)}");
        return null;
    }

    /// <summary>A name or app: lower-case letters, digits, '-' and '_', starting with a letter or digit.</summary>
    public string? Identifier(string key)
    {
        var text = Text(key, "a name");
        if (text is not null && !IdentifierPattern().IsMatch(text))
        {
            Error(key, Node(key), $"expected lower-case letters, digits, '-' or '_' starting with a letter or digit, got {Quote(text)}");
            return null;
        }
        return text;
    }

    public TimeSpan? Seconds(string key, bool allowZero)
    {
        var text = Text(key, "a number of seconds");
        if (text is null)
        {
            return null;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds))
        {
            Error(key, Node(key), $"expected a number of seconds, got {Quote(text)}");
            return null;
        }
        if (seconds < 0 || (seconds == 0 && !allowZero))
        {
            Error(key, Node(key), $"expected a {(allowZero ? "non-negative" : "positive")} number of seconds, got {Quote(text)}");
            return null;
        }
        if (seconds > MaxSeconds)
        {
            Error(key, Node(key), $"expected at most {MaxSeconds} seconds (one year), got {Quote(text)}");
            return null;
        }
        return TimeSpan.FromSeconds(seconds);
    }

    public int? WholeNumber(string key, string unit, int min)
    {
        var text = Text(key, $"a whole number of {unit}");
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            Error(key, Node(key), $"expected a whole number of {unit}, got {Quote(text)}");
            return null;
        }
        if (number < min)
        {
            Error(key, Node(key), $"expected a whole number of {unit} of at least {min}, got {Quote(text)}");
            return null;
        }
        return number;
    }

    /// <summary>Kubernetes-style CPU quantity: millicpus (<c>500m</c>) or a decimal number of CPUs (<c>0.5</c>, <c>2</c>), above zero.</summary>
    public string? Cpus(string key)
    {
        var text = Text(key, "a CPU share");
        if (text is null)
        {
            return null;
        }
        var match = CpusPattern().Match(text);
        var valid = match.Success && (match.Groups["milli"].Success
            ? long.TryParse(match.Groups["milli"].Value, CultureInfo.InvariantCulture, out var milli) && milli > 0
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var cpus) && cpus > 0 && cpus <= 4096);
        if (!valid)
        {
            Error(key, Node(key), $"expected a CPU share above zero like \"500m\", \"0.5\" or \"2\", got {Quote(text)}");
            return null;
        }
        return text;
    }

    /// <summary>An argv: a YAML list of words, or one string split like a POSIX shell splits words (<see cref="ShellWords"/>).</summary>
    public IReadOnlyList<string>? Argv(string key)
    {
        var node = Node(key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode { Value: { } text }:
                if (!ShellWords.TrySplit(text, out var words, out var error))
                {
                    Error(key, node, error);
                    return null;
                }
                return CheckArgv(key, node, words);
            case YamlSequenceNode list:
                var argv = new List<string>();
                foreach (var item in list)
                {
                    if (item is YamlScalarNode { Value: { } word } && !IsNull(item))
                    {
                        argv.Add(word);
                    }
                    else
                    {
                        Error(key, item, $"expected every word of the command to be a string, got {Describe(item)}");
                        return null;
                    }
                }
                return CheckArgv(key, node, argv);
            default:
                Error(key, node, $"expected a list of words or one command string, got {Describe(node)}");
                return null;
        }
    }

    private IReadOnlyList<string>? CheckArgv(string key, YamlNode node, IReadOnlyList<string> argv)
    {
        if (argv.Count == 0 || argv[0].Length == 0)
        {
            Error(key, node, "expected a command, got an empty one");
            return null;
        }
        if (argv.Any(word => word.Contains('\0')))
        {
            Error(key, node, "expected a command without NUL characters");
            return null;
        }
        return argv;
    }

    /// <summary>A mapping of string keys to scalar values; keys checked by <paramref name="validKey"/>.</summary>
    public IReadOnlyDictionary<string, string>? Map(string key, Regex validKey, string keyKind, bool valuesAreHeaders)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }
        if (node is not YamlMappingNode mapping)
        {
            Error(key, node, $"expected a mapping of {keyKind} to values, got {Describe(node)}");
            return null;
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var ok = true;
        foreach (var (entryKey, entryValue) in mapping.Children)
        {
            if (entryKey is not YamlScalarNode { Value: { } name } || !validKey.IsMatch(name))
            {
                Error(key, entryKey, $"expected {keyKind}, got {Describe(entryKey)}");
                ok = false;
                continue;
            }
            if (entryValue is not YamlScalarNode scalar)
            {
                Error(key, entryValue, $"expected a single value for {Quote(name)}, got {Describe(entryValue)}");
                ok = false;
                continue;
            }
            var value = IsNull(scalar) ? "" : scalar.Value ?? "";
            // A CR or LF in a header value would let a func.yml split the response head.
            if (valuesAreHeaders && value.Any(c => char.IsControl(c) && c != '\t'))
            {
                Error(key, entryValue, $"expected a header value for {Quote(name)} without control characters or line breaks");
                ok = false;
                continue;
            }
            if (!valuesAreHeaders && value.Contains('\0'))
            {
                Error(key, entryValue, $"expected a value for {Quote(name)} without NUL characters");
                ok = false;
                continue;
            }
            result[name] = value;
        }
        return ok ? result : null;
    }

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode scalar when IsNull(scalar) => "nothing",
        YamlScalarNode { Value: var text } => Quote(text ?? ""),
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "an alias",
    };

    public static string Quote(string text) =>
        "\"" + (text.Length > 60 ? text[..57] + "..." : text).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    private const double MaxSeconds = 365 * 24 * 3600;

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex(@"^(?:(?<milli>[0-9]+)m|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$")]
    private static partial Regex CpusPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    public static partial Regex EnvironmentName();

    // RFC 9110 section 5.6.2: token = 1*tchar.
    [GeneratedRegex(@"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")]
    public static partial Regex HeaderName();
}
