using System.Buffers;

namespace Fnagent.Formats;

/// <summary>
/// A read-only body over the start of an array rented from <see cref="ArrayPool{T}.Shared"/>,
/// returned to the pool on the first dispose. One reader at a time; reading after dispose throws.
/// </summary>
internal sealed class PooledBodyStream : Stream
{
    private byte[]? _buffer;
    private readonly int _length;
    private int _position;

    public PooledBodyStream(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    public override bool CanRead => _buffer is not null;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var source = _buffer ?? throw new ObjectDisposedException(nameof(PooledBodyStream));
        var count = Math.Min(buffer.Length, _length - _position);
        source.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        var source = _buffer ?? throw new ObjectDisposedException(nameof(PooledBodyStream));
        var start = _position;
        _position = _length;
        await destination.WriteAsync(source.AsMemory(start, _length - start), cancellationToken).ConfigureAwait(false);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        base.Dispose(disposing);
    }
}
