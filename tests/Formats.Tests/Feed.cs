using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Fnagent.Formats.Testing;

namespace Fnagent.Formats.Tests;

/// <summary>The three ways every codec test feeds its input (STYLE.md).</summary>
public enum Feed
{
    OneSegment,
    BytePerSegment,
    BytewisePipe,
}

/// <summary>Builds inputs and bounds every await.</summary>
internal static class Input
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static TheoryData<Feed> AllFeeds => new() { Feed.OneSegment, Feed.BytePerSegment, Feed.BytewisePipe };

    /// <summary>A POST with no body: the request a response is read for, when its method does not matter.</summary>
    public static FunctionRequest Post { get; } = Request("POST");

    /// <summary>A HEAD request: its response has no body whatever its headers say.</summary>
    public static FunctionRequest Head { get; } = Request("HEAD");

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static FunctionRequest Request(string method) => new()
    {
        CallId = "01TESTCALL",
        Method = method,
        RequestUrl = "http://127.0.0.1/r/app/f",
        Target = "/r/app/f",
        Deadline = DateTimeOffset.UnixEpoch,
    };

    public static ReadOnlySequence<byte> Sequence(byte[] bytes, Feed feed) =>
        feed == Feed.OneSegment ? new ReadOnlySequence<byte>(bytes) : Segmented(bytes, 1);

    public static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize) => SegmentedSequence.Of(bytes, segmentSize);

    /// <summary>A reader over <paramref name="bytes"/> that ends after them, fed the given way.</summary>
    public static PipeReader Reader(byte[] bytes, Feed feed)
    {
        if (feed != Feed.BytewisePipe)
        {
            return PipeReader.Create(Sequence(bytes, feed));
        }

        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        _ = Task.Run(async () =>
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                pipe.Writer.GetSpan(1)[0] = bytes[i];
                pipe.Writer.Advance(1);
                await pipe.Writer.FlushAsync();
            }

            await pipe.Writer.CompleteAsync();
        });
        return pipe.Reader;
    }

    public static Task<T> Bounded<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Timeout);

    public static Task Bounded(this ValueTask task) => task.AsTask().WaitAsync(Timeout);

    public static Task<T> Bounded<T>(this Task<T> task) => task.WaitAsync(Timeout);

    public static Task Bounded(this Task task) => task.WaitAsync(Timeout);

    public static async Task<string> ReadBodyAsync(FunctionResponse response)
    {
        using var copy = new MemoryStream();
        await response.Body.CopyToAsync(copy).Bounded();
        return Encoding.UTF8.GetString(copy.ToArray());
    }

    public static async Task<FormatViolationException> ThrowsViolation(FormatError error, Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<FormatViolationException>(action);
        Assert.Equal(error, e.Error);
        return e;
    }
}
