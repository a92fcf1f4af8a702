using System.Security.Cryptography;

namespace Fnagent.Invocation;

/// <summary>
/// Unique, time-sortable call ids (PROTOCOLS.md section 2): 48 bits of Unix milliseconds
/// then 80 random bits, in Crockford base32 (26 characters, ULID layout). Ids made in
/// the same millisecond sort randomly among themselves; across milliseconds by time.
/// </summary>
public static class CallId
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)now.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }

        RandomNumberGenerator.Fill(bytes[6..]);
        return string.Create(26, bytes.ToArray(), static (chars, b) =>
        {
            // 128 bits -> 26 base32 digits, most significant first (the first digit holds 3 bits).
            var hi = ((ulong)b[0] << 56) | ((ulong)b[1] << 48) | ((ulong)b[2] << 40) | ((ulong)b[3] << 32) | ((ulong)b[4] << 24) | ((ulong)b[5] << 16) | ((ulong)b[6] << 8) | b[7];
            var lo = ((ulong)b[8] << 56) | ((ulong)b[9] << 48) | ((ulong)b[10] << 40) | ((ulong)b[11] << 32) | ((ulong)b[12] << 24) | ((ulong)b[13] << 16) | ((ulong)b[14] << 8) | b[15];
            var value = new UInt128(hi, lo);
            for (var i = 25; i >= 0; i--)
            {
                chars[i] = Alphabet[(int)(value & 31)];
                value >>= 5;
            }
        });
    }
}
