using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Fnagent.Functions;

/// <summary>
/// Splits one command string into argv words the way a POSIX shell tokenises simple words
/// (POSIX.1-2017 XCU 2.2 "Quoting"), without running anything through a shell: no
/// expansion, no globbing, no redirection, no pipes. <c>$HOME</c>, <c>*</c> and <c>|</c> stay
/// literal characters of a word.
/// </summary>
/// <remarks>
/// Rules: blanks (space, tab, newline, carriage return) separate words; a backslash outside
/// quotes keeps the next character literally (a backslash-newline is removed, 2.2.1);
/// single quotes keep everything up to the next single quote literally (2.2.2); inside
/// double quotes a backslash escapes only <c>"</c>, <c>\</c>, <c>$</c>, <c>`</c> and newline,
/// and stays literal before any other character (2.2.3). <c>""</c> and <c>''</c> make an empty
/// word. An unterminated quote or a trailing lone backslash is an error. Pure and thread-safe.
/// </remarks>
public static class ShellWords
{
    /// <summary>Splits <paramref name="text"/> into words.</summary>
    /// <exception cref="FormatException">A quote is not closed, or the text ends in a lone backslash.</exception>
    public static IReadOnlyList<string> Split(string text) =>
        TrySplit(text, out var words, out var error) ? words : throw new FormatException(error);

    /// <summary>Splits <paramref name="text"/> into words, or says why it cannot.</summary>
    public static bool TrySplit(
        string text,
        [NotNullWhen(true)] out IReadOnlyList<string>? words,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<string>();
        var word = new StringBuilder();
        // A word exists once any character or quote was seen: "" is an empty word, not none.
        var inWord = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            switch (c)
            {
                case ' ' or '\t' or '\n' or '\r':
                    if (inWord)
                    {
                        result.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }
                    i++;
                    break;

                case '\\':
                    if (i + 1 >= text.Length)
                    {
                        return Fail("ends with a lone backslash", out words, out error);
                    }
                    if (text[i + 1] != '\n')
                    {
                        word.Append(text[i + 1]);
                        inWord = true;
                    }
                    i += 2;
                    break;

                case '\'':
                    {
                        var close = text.IndexOf('\'', i + 1);
                        if (close < 0)
                        {
                            return Fail($"unterminated single quote at column {i + 1}", out words, out error);
                        }
                        word.Append(text, i + 1, close - i - 1);
                        inWord = true;
                        i = close + 1;
                        break;
                    }

                case '"':
                    {
                        var open = i;
                        i++;
                        while (i < text.Length && text[i] != '"')
                        {
                            if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`' or '\n')
                            {
                                if (text[i + 1] != '\n')
                                {
                                    word.Append(text[i + 1]);
                                }
                                i += 2;
                            }
                            else
                            {
                                word.Append(text[i]);
                                i++;
                            }
                        }
                        if (i >= text.Length)
                        {
                            return Fail($"unterminated double quote at column {open + 1}", out words, out error);
                        }
                        inWord = true;
                        i++;
                        break;
                    }

                default:
                    word.Append(c);
                    inWord = true;
                    i++;
                    break;
            }
        }
        if (inWord)
        {
            result.Add(word.ToString());
        }
        words = result;
        error = null;
        return true;
    }

    private static bool Fail(string message, out IReadOnlyList<string>? words, out string? error)
    {
        words = null;
        error = message;
        return false;
    }
}
