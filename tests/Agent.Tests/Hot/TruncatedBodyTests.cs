using System.Text;
using Fnagent.Agent.Tests.Support;
using Cut = Fnagent.Agent.Tests.Cold.TruncatedBodyTests;

namespace Fnagent.Agent.Tests.Hot;

/// <summary>
/// A hot process handed a request whose body broke off never serves another call (the
/// rest of that request, or its absence, would meet the next one), and the caller gets the
/// same 400/408 as a cold call, not a 502.
/// </summary>
public sealed class TruncatedBodyTests(TruncatedBodyTests.Fixture fixture) : IClassFixture<TruncatedBodyTests.Fixture>
{
    private static readonly string[] Paths = ["/r/hot/json-python", "/r/hot/http-python", "/r/fdk/json"];

    public static TheoryData<string> HotFunctions => [.. Paths];

    [Theory]
    [MemberData(nameof(HotFunctions))]
    public async Task AChunkedBodyThatBreaksItsFramingIs400AndTheProcessIsDiscarded(string path)
    {
        using var caller = await RawCaller.ConnectAsync(fixture.Agent.Address);
        await caller.SendAsync("POST", path, ["Transfer-Encoding: chunked", "Content-Type: application/json"],
            (byte[])[.. Cut.Chunk(Encoding.ASCII.GetBytes("{\"name\":\"cut\"")), .. "not-a-chunk-size\r\n"u8]);

        var (status, headers, body) = await caller.ReadResponseAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(400, status);
        // Kestrel may find the broken framing before it hands over the chunk before it.
        Assert.Matches("^request body incomplete after (0|13) bytes", Cut.ErrorMessage(body));
        await AssertProcessDiscardedAsync(headers["fn-call-id"], 400);
    }

    [Fact]
    public async Task ABodyThatStallsShortOfItsContentLengthIs408AndTheProcessIsDiscarded()
    {
        // All three at once: each waits out Kestrel's minimum body data rate (5 s of grace).
        await Task.WhenAll(Paths.Select(async path =>
        {
            using var caller = await RawCaller.ConnectAsync(fixture.Agent.Address);
            await caller.SendAsync("POST", path, ["Content-Length: 90", "Content-Type: application/json"], Encoding.ASCII.GetBytes("{\"name\":\"stalled\""));

            var (status, headers, body) = await caller.ReadResponseAsync(TimeSpan.FromSeconds(20));

            Assert.True(status == 408, $"{path}: {status} {body}");
            Assert.StartsWith("request body timed out after 17 of 90 bytes", Cut.ErrorMessage(body));
            await AssertProcessDiscardedAsync(headers["fn-call-id"], 408);
        }));
    }

    /// <summary>An agent for these tests alone; a slow machine gets time to start node.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public RunningAgent Agent { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await NpmFunctions.EnsureInstalledAsync();
            Agent = await RunningAgent.StartAsync(RunningAgent.TestFunctions, o => o.Limits.StartTimeout = TimeSpan.FromSeconds(20));
        }

        public async Task DisposeAsync() => await Agent.DisposeAsync();
    }

    private async Task AssertProcessDiscardedAsync(string callId, int status)
    {
        var record = await Cut.FinishedRecordAsync(fixture.Agent, callId);
        Assert.Equal("error", record.GetProperty("status").GetString());
        Assert.Equal(status, record.GetProperty("http_status").GetInt32());
        // Discarded before the caller heard back: killed and reaped.
        var pid = record.GetProperty("pid").GetInt32();
        Assert.False(ProcessTable.IsAlive(pid), $"process {pid} still serves after a cut body");
    }
}
