namespace Fnagent.Management;

/// <summary>
/// A read-only, forward-only view of another stream that tells <paramref name="onRead"/> the running
/// total after every read, so a limit is enforced on bytes actually read (the callback throws to stop).
/// An exception from the inner stream itself is remembered in <see cref="Failure"/>: the unpacker lets
/// that one pass unchanged (a broken upload is not a corrupt archive).
/// </summary>
internal sealed class CountingReadStream(Stream inner, Action<long> onRead) : Stream
{
    public long BytesRead { get; private set; }

    public Exception? Failure { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = inner.Read(buffer);
        }
        catch (Exception e)
        {
            Failure = e;
            throw;
        }

        return Counted(read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception e)
        {
            Failure = e;
            throw;
        }

        return Counted(read);
    }

    private int Counted(int read)
    {
        BytesRead += read;
        onRead(BytesRead);
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
