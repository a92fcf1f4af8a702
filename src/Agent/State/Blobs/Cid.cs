using System.Security.Cryptography;

namespace Fnagent.State.Blobs;

/// <summary>
/// A content identifier as the content store names blobs (docs/protocols.md §9): CIDv1, the
/// raw codec (0x55), a sha2-256 multihash (0x12, 32 bytes), written in multibase base32
/// lower-case (<c>b</c> prefix, RFC 4648 alphabet, no padding). The empty input is
/// <c>bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku</c>. Written by hand: the
/// whole format is these four bytes and a base32 encoding, and no NuGet package served here
/// does CIDs. Immutable.
/// </summary>
public sealed record Cid
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    // version 1, raw, sha2-256, 32 bytes.
    private static readonly byte[] Prefix = [0x01, 0x55, 0x12, 0x20];

    private Cid(byte[] digest, string text)
    {
        Digest = digest;
        Text = text;
    }

    /// <summary>The sha2-256 of the content.</summary>
    public IReadOnlyList<byte> Digest { get; }

    /// <summary>The CID as written, <c>bafkrei...</c>.</summary>
    public string Text { get; }

    public override string ToString() => Text;

    /// <summary>The CID of content whose sha2-256 is <paramref name="digest"/>.</summary>
    public static Cid OfDigest(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != SHA256.HashSizeInBytes)
        {
            throw new ArgumentException("a sha2-256 digest is 32 bytes", nameof(digest));
        }

        byte[] bytes = [.. Prefix, .. digest];
        return new Cid(digest.ToArray(), "b" + Base32(bytes));
    }

    /// <summary>The CID of <paramref name="content"/>.</summary>
    public static Cid Of(ReadOnlySpan<byte> content) => OfDigest(SHA256.HashData(content));

    /// <summary>
    /// The CID <paramref name="text"/> names, or null with <paramref name="problem"/> saying why
    /// it is not one the store serves (another version, codec, hash or base).
    /// </summary>
    public static Cid? TryParse(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(text) || text.Length > 100)
        {
            problem = "a CID is 'b' and base32 (bafkrei...)";
            return null;
        }

        if (text.StartsWith("Qm", StringComparison.Ordinal))
        {
            problem = "a CIDv0 (Qm...) names a dag-pb graph; this store serves CIDv1 raw (bafkrei...)";
            return null;
        }

        if (text[0] != 'b' || FromBase32(text.AsSpan(1)) is not { } bytes)
        {
            problem = "a CID here is multibase base32 lower-case: 'b' and the letters a-z, 2-7";
            return null;
        }

        if (bytes.Length != Prefix.Length + SHA256.HashSizeInBytes || !bytes.AsSpan(0, Prefix.Length).SequenceEqual(Prefix))
        {
            problem = "only CIDv1 of the raw codec with a sha2-256 hash is served (bafkrei...)";
            return null;
        }

        // The canonical spelling only: one name per blob.
        var cid = OfDigest(bytes.AsSpan(Prefix.Length));
        if (cid.Text != text)
        {
            problem = "not the canonical spelling of its CID";
            return null;
        }

        return cid;
    }

    private static string Base32(ReadOnlySpan<byte> bytes)
    {
        var text = new System.Text.StringBuilder((bytes.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }

            buffer &= (1 << bits) - 1;
        }

        if (bits > 0)
        {
            text.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return text.ToString();
    }

    private static byte[]? FromBase32(ReadOnlySpan<char> text)
    {
        var bytes = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in text)
        {
            var value = Alphabet.IndexOf(c);
            if (value < 0)
            {
                return null;
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }

            buffer &= (1 << bits) - 1;
        }

        return [.. bytes];
    }
}
