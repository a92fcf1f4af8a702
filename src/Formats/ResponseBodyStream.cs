using System.Buffers;
using System.IO.Pipelines;

namespace Fnagent.Formats;

/// <summary>
/// A response body read from the function's output as it arrives, framed by an
/// <see cref="HttpBodyDecoder"/>. It consumes exactly the body's bytes (the next response
/// on the same output still parses) and counts them against the response size limit.
/// </summary>
/// <remarks>
/// One reader at a time, like the pipe under it. Throws <see cref="FormatViolationException"/>:
/// <see cref="FormatError.ResponseTooLarge"/> past the limit, <see cref="FormatError.IncompleteResponse"/>
/// when the output ends before the body does. Disposing before the end just stops reading; the
/// output is then mid-message and the process must be discarded.
/// </remarks>
internal sealed class ResponseBodyStream : Stream
{
    private readonly PipeReader _input;
    private readonly long _maxSize;
    private HttpBodyDecoder _decoder;
    private long _read;
    private bool _ended;
    private bool _disposed;

    public ResponseBodyStream(PipeReader input, HttpBodyDecoder decoder, long maxSize)
    {
        _input = input;
        _decoder = decoder;
        _maxSize = maxSize;
    }

    /// <summary>Body bytes handed out so far.</summary>
    public long BytesRead => _read;

    /// <summary>Whether the body was read to its end.</summary>
    public bool IsCompleted => _ended;

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ended || buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var input = result.Buffer;
            var consumed = input.Start;
            var examined = input.End;
            try
            {
                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("the read of a function response body was canceled");
                }

                var status = _decoder.Decode(input, out var data, out consumed);
                if (status == BodyStatus.Data)
                {
                    var count = (int)Math.Min(data.Length, buffer.Length);
                    if (_read + count > _maxSize)
                    {
                        throw new FormatViolationException(FormatError.ResponseTooLarge, $"body passed {_maxSize} bytes", limit: _maxSize);
                    }

                    var taken = data.Slice(0, count);
                    taken.CopyTo(buffer.Span);
                    _decoder.Advance(count);
                    _read += count;
                    consumed = taken.End;
                    examined = consumed;
                    if (_decoder.IsDone)
                    {
                        // A Content-Length body ends with its last byte; a chunked one still has
                        // its last chunk and trailers, consumed by the next read.
                        _ended = true;
                    }

                    return count;
                }

                if (status == BodyStatus.Done)
                {
                    examined = consumed;
                    _ended = true;
                    return 0;
                }

                if (result.IsCompleted)
                {
                    if (_decoder.EndsWithInput)
                    {
                        _ended = true;
                        return 0;
                    }

                    throw FormatViolationException.WithBytes(FormatError.IncompleteResponse, input.Slice(consumed), $"output ended after {_read} body bytes");
                }
            }
            finally
            {
                _input.AdvanceTo(consumed, examined);
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // PipeReader has no synchronous read; synchronous callers block on the async path.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        base.Dispose(disposing);
    }
}
