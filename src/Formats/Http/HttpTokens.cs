using System.Buffers;
using System.Text;

namespace Fnagent.Formats;

/// <summary>Byte-level pieces of http/1.1 syntax shared by the http reader and writer.</summary>
internal static class HttpTokens
{
    /// <summary>tchar of RFC 9110 5.6.2.</summary>
    public static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // Strings a function writes on almost every response, handed out without allocating.
    private static readonly string[] CommonNames = ["Date", "Server", "Cache-Control", "X-Powered-By", "ETag", "Last-Modified", "Vary"];

    private static readonly string[] CommonValues =
    [
        "application/json", "application/json; charset=utf-8", "text/plain", "text/plain; charset=utf-8",
        "text/html", "text/html; charset=utf-8", "application/octet-stream", "no-cache", "close", "keep-alive",
    ];

    /// <summary>Whether a comma-separated header value holds <paramref name="token"/> (case-insensitive).</summary>
    public static bool ContainsToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }

        return false;
    }

    public static string GetNameString(ReadOnlySpan<byte> name) => Intern(name, CommonNames);

    public static string GetValueString(ReadOnlySpan<byte> value) => Intern(value, CommonValues);

    /// <summary>A common header value (e.g. <c>application/json</c>) equal to <paramref name="bytes"/>, or null.</summary>
    public static string? CommonValue(ReadOnlySpan<byte> bytes)
    {
        foreach (var candidate in CommonValues)
        {
            if (candidate.Length == bytes.Length && Ascii.Equals(bytes, candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string Intern(ReadOnlySpan<byte> bytes, string[] table)
    {
        foreach (var candidate in table)
        {
            if (candidate.Length == bytes.Length && Ascii.Equals(bytes, candidate))
            {
                return candidate;
            }
        }

        return bytes.IsEmpty ? string.Empty : Encoding.Latin1.GetString(bytes);
    }
}
