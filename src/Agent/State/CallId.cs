using System.Security.Cryptography;

namespace Fnagent.State;

/// <summary>
/// Unique, time-sortable call ids (docs/protocols.md §2): 48 bits of Unix milliseconds
/// then 80 random bits, in Crockford base32 (26 characters, ULID layout). Ids made in
/// the same millisecond sort randomly among themselves; across milliseconds by time.
/// </summary>
public static class CallId
{
    /// <summary>Characters in an id.</summary>
    public const int Length = 26;

    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    // The value of each ASCII character as a digit of the alphabet, -1 for the others.
    private static readonly sbyte[] Digits = Enumerable.Range(0, 128).Select(c => (sbyte)Alphabet.IndexOf((char)c)).ToArray();

    // Random bytes are drawn from the OS in batches: one RandomNumberGenerator call per
    // call id showed in the hot path's profile; a thread's batch is never shared.
    private const int RandomBytes = 10;
    private const int Batch = 32;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_used;

    public static string New(DateTimeOffset now)
    {
        var random = t_random ??= new byte[RandomBytes * Batch];
        if (t_used == 0)
        {
            RandomNumberGenerator.Fill(random);
        }

        var r = random.AsSpan(t_used * RandomBytes, RandomBytes);
        t_used = (t_used + 1) % Batch;

        // 48 bits of milliseconds then 80 random bits, as one 128-bit number.
        var ms = (ulong)now.ToUnixTimeMilliseconds() & 0xFFFF_FFFF_FFFFUL;
        var hi = (ms << 16) | ((ulong)r[0] << 8) | r[1];
        var lo = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(r[2..]);
        r.Clear(); // an id's random part never stays in memory after use
        return Format(new UInt128(hi, lo));
    }

    /// <summary>When the call of <paramref name="callId"/> came (to the millisecond); null for what is no call id.</summary>
    public static DateTimeOffset? TimeOf(string callId) =>
        TryParse(callId, out var value) ? DateTimeOffset.FromUnixTimeMilliseconds((long)(ulong)(value >> 80)) : null;

    /// <summary>The id of a 128-bit value: 26 base32 digits, most significant first (the first holds 3 bits).</summary>
    public static string Format(UInt128 value) => string.Create(Length, value, static (chars, value) =>
    {
        for (var i = Length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
    });

    /// <summary>
    /// The 128-bit value of an id exactly as <see cref="New"/> writes it (26 digits of the
    /// alphabet, upper case): a key that costs no object to keep.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out UInt128 value)
    {
        value = 0;
        if (text.Length != Length || text[0] > '7')
        {
            return false; // 26 digits hold 130 bits: the first may only carry 3.
        }

        foreach (var c in text)
        {
            var digit = c < 128 ? Digits[c] : -1;
            if (digit < 0)
            {
                value = 0;
                return false;
            }

            value = (value << 5) | (uint)digit;
        }

        return true;
    }
}
