using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Fnagent.Http;

/// <summary>
/// The user owning the client end of a TCP connection made on this machine, read from the
/// kernel's socket table (<c>/proc/net/tcp</c>, <c>/proc/net/tcp6</c>: the entry whose local
/// address is the client's endpoint and whose remote one is the agent's). Lets the open admin
/// API of a loopback agent tell a function (which shares the host's network unless
/// <c>network: none</c>) from its operator: functions run as their own user. One read of the
/// table per admin request from loopback; never on the call path.
/// </summary>
internal static class LoopbackPeer
{
    /// <summary>The uid owning the socket at <paramref name="client"/> connected to <paramref name="server"/>, or null when not found.</summary>
    public static int? Uid(IPEndPoint client, IPEndPoint server)
    {
        // An IPv4 connection is in the IPv4 table, or in the IPv6 one as ::ffff:a.b.c.d when the
        // client's socket is dual-stack (as .NET's and node's are): both are looked in.
        if (client.Address.IsIPv4MappedToIPv6 && server.Address.IsIPv4MappedToIPv6)
        {
            client = new IPEndPoint(client.Address.MapToIPv4(), client.Port);
            server = new IPEndPoint(server.Address.MapToIPv4(), server.Port);
        }

        return client.AddressFamily == AddressFamily.InterNetworkV6
            ? Find("/proc/net/tcp6", Hex(client), Hex(server))
            : Find("/proc/net/tcp", Hex(client), Hex(server)) ?? Find("/proc/net/tcp6", Hex(Mapped(client)), Hex(Mapped(server)));
    }

    private static IPEndPoint Mapped(IPEndPoint endpoint) => new(endpoint.Address.MapToIPv6(), endpoint.Port);

    private static int? Find(string table, string local, string remote)
    {
        try
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 7 && fields[1] == local && fields[2] == remote && int.TryParse(fields[7], CultureInfo.InvariantCulture, out var uid))
                {
                    return uid;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    // The kernel prints an address as its 32-bit words in host (little-endian) order, then
    // the port: 127.0.0.1:8080 is 0100007F:1F90.
    private static string Hex(IPEndPoint endpoint)
    {
        var bytes = endpoint.Address.GetAddressBytes();
        var text = new System.Text.StringBuilder(bytes.Length * 2 + 5);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            for (var i = 3; i >= 0; i--)
            {
                text.Append(bytes[word + i].ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.Append(':').Append(endpoint.Port.ToString("X4", CultureInfo.InvariantCulture)).ToString();
    }
}
