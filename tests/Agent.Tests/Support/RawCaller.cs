using System.Net.Sockets;
using System.Text;

namespace Fnagent.Agent.Tests.Support;

/// <summary>
/// A caller on a bare TCP socket, for what HttpClient never does: a body shorter than its
/// Content-Length, a chunked body without its last chunk, a half-close or a reset mid-body.
/// Every read is bounded by a timeout.
/// </summary>
public sealed class RawCaller : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawCaller(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawCaller> ConnectAsync(Uri agent)
    {
        var client = new TcpClient();
        await client.ConnectAsync(agent.Host, agent.Port).WaitAsync(TimeSpan.FromSeconds(10));
        client.NoDelay = true;
        return new RawCaller(client);
    }

    /// <summary>Sends a request head (<paramref name="headers"/> are whole lines, without CRLF) and then <paramref name="body"/>.</summary>
    public async Task SendAsync(string method, string path, IEnumerable<string> headers, ReadOnlyMemory<byte> body = default)
    {
        var head = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        foreach (var header in headers)
        {
            head.Append(header).Append("\r\n");
        }

        head.Append("\r\n");
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString())).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await WriteAsync(body);
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        if (!bytes.IsEmpty)
        {
            await _stream.WriteAsync(bytes).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            await _stream.FlushAsync();
        }
    }

    /// <summary>Ends the caller's side of the connection (FIN); the agent can still answer.</summary>
    public void EndSending() => _client.Client.Shutdown(SocketShutdown.Send);

    /// <summary>Drops the connection with a reset (RST): the agent cannot answer.</summary>
    public void Reset()
    {
        _client.LingerState = new LingerOption(true, 0);
        _client.Close();
    }

    /// <summary>Reads one response: its status, headers (lower-case names) and body (by Content-Length, else to the end).</summary>
    public async Task<(int Status, Dictionary<string, string> Headers, string Body)> ReadResponseAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var received = new List<byte>();
        var buffer = new byte[4096];
        int headEnd;
        while ((headEnd = IndexOfBlankLine(received)) < 0)
        {
            var read = await _stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                throw new IOException($"connection closed before a response head; got: {Encoding.ASCII.GetString(received.ToArray())}");
            }

            received.AddRange(buffer.AsSpan(0, read));
        }

        var lines = Encoding.ASCII.GetString(received.GetRange(0, headEnd).ToArray()).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        var body = received.Skip(headEnd + 4).ToList();
        long? length = headers.TryGetValue("content-length", out var value) ? long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : null;
        while (length is null || body.Count < length)
        {
            var read = await _stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            body.AddRange(buffer.AsSpan(0, read));
        }

        return (status, headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    public void Dispose() => _client.Dispose();

    private static int IndexOfBlankLine(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
