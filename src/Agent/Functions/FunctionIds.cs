using System.Security.Cryptography;
using System.Text;

namespace Fnagent.Functions;

/// <summary>
/// The ids of apps, functions and triggers in the management API: 26 characters of
/// Crockford base32, shaped like the ULIDs Fn gives out, derived from the names that make
/// the object unique. Derived rather than stored: the same folder gives the same ids after a
/// restart, on another agent serving the same folder, and for files written by hand. Names
/// never change while an object exists (the API refuses a rename), so neither does its id.
/// </summary>
public static class FunctionIds
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string App(string app) => Derive("app", app);

    public static string Function(string app, string name) => Derive("fn", app, name);

    public static string Trigger(string app, string function, string trigger) => Derive("trigger", app, function, trigger);

    /// <summary>Whether <paramref name="id"/> could be an id at all (26 characters of the alphabet); cheap, before any lookup.</summary>
    public static bool IsWellFormed(string id) => id.Length == 26 && id.All(c => Alphabet.Contains(c, StringComparison.Ordinal));

    private static string Derive(params string[] parts)
    {
        // NUL cannot occur in a name, so ("a", "bc") and ("ab", "c") never collide.
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', parts)), hash);

        // 128 bits as a ULID spells them: 26 characters of 5 bits, the first holding only 3.
        var value = new System.Numerics.BigInteger(hash[..16], isUnsigned: true, isBigEndian: true);
        var chars = new char[26];
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return new string(chars);
    }
}
