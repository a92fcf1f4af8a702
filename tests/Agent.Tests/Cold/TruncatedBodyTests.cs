using System.Text;
using System.Text.Json;
using Fnagent.Agent.Tests.Support;

namespace Fnagent.Agent.Tests.Cold;

/// <summary>
/// A request body that ends before its declared end is an error, never a complete input:
/// the function (tests/functions/body-check) leaves an <c>.eof</c> marker only when its
/// stdin ended cleanly, so a marker means the agent passed a cut body off as whole.
/// </summary>
public sealed class TruncatedBodyTests(UnsandboxedColdFixture fixture) : IClassFixture<UnsandboxedColdFixture>, IDisposable
{
    private static readonly byte[] Partial = Encoding.ASCII.GetBytes("only 23 of the 90 bytes");

    private readonly List<string> _tags = [];

    public void Dispose()
    {
        foreach (var suffix in _tags.SelectMany(tag => new[] { Marker(tag, ".started"), Marker(tag, ".eof") }))
        {
            File.Delete(suffix);
        }
    }

    private string NewTag()
    {
        var tag = Guid.NewGuid().ToString("N");
        _tags.Add(tag);
        return tag;
    }

    [Fact]
    public async Task ABodyShorterThanItsContentLengthIsNeverACleanEndAndTheRecordSaysHowMuchCame()
    {
        var tag = NewTag();
        using var caller = await RawCaller.ConnectAsync(fixture.Agent.Address);
        await caller.SendAsync("POST", "/r/tests/body-check", ["Content-Length: 90", $"X-Test-Tag: {tag}"], Partial);
        var callId = await StartedAsync(tag);
        caller.EndSending();

        // Kestrel takes a half-close mid-body for the caller leaving and drops the
        // connection; if it ever answers, the answer is the 400.
        Assert.True(await NoAnswerOrAsync(caller, 400), "a cut body was answered with something else than 400");
        var record = await FinishedRecordAsync(fixture.Agent, callId);
        AssertCut(record, tag, "request body incomplete after 23 of 90 bytes");
    }

    [Fact]
    public async Task AChunkedBodyWithoutItsLastChunkIsNeverACleanEnd()
    {
        var tag = NewTag();
        using var caller = await RawCaller.ConnectAsync(fixture.Agent.Address);
        await caller.SendAsync("POST", "/r/tests/body-check", ["Transfer-Encoding: chunked", $"X-Test-Tag: {tag}"], Chunk(Partial));
        var callId = await StartedAsync(tag);
        caller.EndSending();

        Assert.True(await NoAnswerOrAsync(caller, 400), "a cut body was answered with something else than 400");
        var record = await FinishedRecordAsync(fixture.Agent, callId);
        AssertCut(record, tag, "request body incomplete after 23 bytes");
    }

    [Fact]
    public async Task AChunkedBodyThatBreaksItsFramingIs400AndTheFunctionNeverSeesACleanEnd()
    {
        var tag = NewTag();
        using var caller = await RawCaller.ConnectAsync(fixture.Agent.Address);
        await caller.SendAsync("POST", "/r/tests/body-check", ["Transfer-Encoding: chunked", $"X-Test-Tag: {tag}"], Chunk(Partial));
        var callId = await StartedAsync(tag);
        await caller.WriteAsync(Encoding.ASCII.GetBytes("not-a-chunk-size\r\n"));

        var (status, headers, body) = await caller.ReadResponseAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(400, status);
        Assert.Equal(callId, headers["fn-call-id"]);
        Assert.StartsWith("request body incomplete after 23 bytes", ErrorMessage(body));
        var record = await FinishedRecordAsync(fixture.Agent, callId);
        Assert.Equal("error", record.GetProperty("status").GetString());
        Assert.Equal(400, record.GetProperty("http_status").GetInt32());
        AssertCut(record, tag, "request body incomplete after 23 bytes");
    }

    [Fact]
    public async Task ACallerThatResetsMidBodyIsNeverACleanEndAndTheRecordSaysHowMuchCame()
    {
        var tag = NewTag();
        using var caller = await RawCaller.ConnectAsync(fixture.Agent.Address);
        await caller.SendAsync("POST", "/r/tests/body-check", ["Content-Length: 90", $"X-Test-Tag: {tag}"], Partial);
        var callId = await StartedAsync(tag);
        caller.Reset();

        var record = await FinishedRecordAsync(fixture.Agent, callId);

        AssertCut(record, tag, "request body incomplete after 23 of 90 bytes");
    }

    [Fact]
    public async Task ACallerThatStallsMidBodyGets408AndTheFunctionNeverSeesACleanEnd()
    {
        // Kestrel's minimum request body data rate (240 bytes/s after a 5 s grace) ends the
        // wait well before the function's 20 s timeout.
        var tag = NewTag();
        using var caller = await RawCaller.ConnectAsync(fixture.Agent.Address);
        await caller.SendAsync("POST", "/r/tests/body-check", ["Content-Length: 90", $"X-Test-Tag: {tag}"], Partial);
        var callId = await StartedAsync(tag);

        var (status, _, body) = await caller.ReadResponseAsync(TimeSpan.FromSeconds(18));

        Assert.Equal(408, status);
        Assert.Contains("request body timed out after 23 of 90 bytes", ErrorMessage(body));
        var record = await FinishedRecordAsync(fixture.Agent, callId);
        Assert.Equal(408, record.GetProperty("http_status").GetInt32());
        Assert.False(File.Exists(Marker(tag, ".eof")), "the function took a cut body for a complete one");
    }

    [Fact]
    public async Task AWholeBodyStillReachesTheFunctionWithACleanEnd()
    {
        var tag = NewTag();
        using var caller = await RawCaller.ConnectAsync(fixture.Agent.Address);
        await caller.SendAsync("POST", "/r/tests/body-check", ["Content-Length: 23", $"X-Test-Tag: {tag}", "Connection: close"], Partial);

        var (status, _, body) = await caller.ReadResponseAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(200, status);
        Assert.Equal("got 23 bytes", body);
        Assert.Equal("23", await File.ReadAllTextAsync(Marker(tag, ".eof")));
    }

    /// <summary>The call failed (with nobody left to hear it, or a 400), the record says why, and the function never had a clean end of input.</summary>
    internal static void AssertCut(JsonElement record, string tag, string expected)
    {
        Assert.True(record.GetProperty("status").GetString() is "error" or "cancelled", record.ToString());
        Assert.True(record.GetProperty("http_status").GetInt32() is 400 or 499, record.ToString());
        Assert.StartsWith(expected, record.GetProperty("error").GetString());
        Assert.False(record.GetProperty("exit_code") is { ValueKind: JsonValueKind.Number } code && code.GetInt32() == 0, "the function exited as if its input were whole");
        Assert.False(File.Exists(Marker(tag, ".eof")), "the function took a cut body for a complete one");
    }

    /// <summary>True when the connection ends without an answer, or the answer has <paramref name="status"/>.</summary>
    internal static async Task<bool> NoAnswerOrAsync(RawCaller caller, int status)
    {
        try
        {
            return (await caller.ReadResponseAsync(TimeSpan.FromSeconds(15))).Status == status;
        }
        catch (IOException)
        {
            return true;
        }
    }

    internal static byte[] Chunk(byte[] data) => [.. Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), .. data, .. "\r\n"u8];

    internal static string Marker(string tag, string suffix) => "/tmp/fnagent-test-body-" + tag + suffix;

    /// <summary>The call id the function wrote once it started, before reading its body.</summary>
    internal static async Task<string> StartedAsync(string tag)
    {
        Assert.True(await ProcessTable.EventuallyAsync(() => File.Exists(Marker(tag, ".started")), TimeSpan.FromSeconds(15)), "the function never started");
        return await File.ReadAllTextAsync(Marker(tag, ".started"));
    }

    internal static async Task<JsonElement> FinishedRecordAsync(RunningAgent agent, string callId)
    {
        JsonElement record = default;
        Assert.True(await ProcessTable.EventuallyAsync(async () =>
        {
            using var json = JsonDocument.Parse(await agent.Client.GetStringAsync($"v1/calls/{callId}"));
            record = json.RootElement.Clone();
            // ended_at is set last, once every other field is.
            return record.GetProperty("ended_at").ValueKind != JsonValueKind.Null;
        }, TimeSpan.FromSeconds(20)), "the call never finished");
        return record;
    }

    internal static string ErrorMessage(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("error").GetProperty("message").GetString()!;
    }
}
