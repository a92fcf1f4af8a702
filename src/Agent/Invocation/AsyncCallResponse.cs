using Fnagent.Formats;

namespace Fnagent.Invocation;

/// <summary>
/// Where an async call's answer goes: nobody waits for it, so it is kept, up to a cap, to be
/// stored with the call's record (<c>GET /v1/calls/{id}/output</c>). Past the cap the output
/// is read and counted but not kept, so the function is never held up by it.
/// </summary>
public sealed class AsyncCallResponse(long maxBytes) : ICallResponse
{
    private readonly CappedBuffer _body = new(maxBytes);

    public bool HasStarted { get; private set; }

    public Stream Body => _body;

    /// <summary>The function's content type, when it gave one.</summary>
    public string? ContentType { get; private set; }

    /// <summary>The output as kept (at most the cap).</summary>
    public ReadOnlyMemory<byte> Output => _body.Kept;

    /// <summary>The error the call ended with, when the agent answered it (not the function).</summary>
    public FunctionError? Error { get; private set; }

    /// <summary>How many bytes the function wrote in all.</summary>
    public long Total => _body.Total;

    public ValueTask StartAsync(FunctionResponse head, CancellationToken cancellationToken)
    {
        HasStarted = true;
        ContentType = head.ContentType;
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteErrorAsync(FunctionError error, CancellationToken cancellationToken)
    {
        HasStarted = true;
        Error = error;
        ContentType = "application/json";
        _body.Write(error.ToJson());
        return ValueTask.CompletedTask;
    }

    /// <summary>The answer broke off: what came is kept; the record says the call failed.</summary>
    public void Abort()
    {
    }

    private sealed class CappedBuffer(long maxBytes) : Stream
    {
        private readonly MemoryStream _kept = new();

        public ReadOnlyMemory<byte> Kept => _kept.GetBuffer().AsMemory(0, (int)_kept.Length);

        public long Total { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Total;

        public override long Position
        {
            get => Total;
            set => throw new NotSupportedException();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var room = (int)Math.Min(buffer.Length, Math.Max(0, maxBytes - _kept.Length));
            _kept.Write(buffer[..room]);
            Total += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
