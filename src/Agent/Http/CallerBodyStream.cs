using System.Globalization;
using Fnagent.Invocation;
using Microsoft.AspNetCore.Http;

namespace Fnagent.Http;

/// <summary>
/// The caller's request body as the layers below see it: decoded bytes counted against the
/// limit, and Kestrel's failures turned into the agent's own exceptions, so nothing below
/// the front needs to know ASP.NET's exception types. One reader at a time.
/// </summary>
/// <remarks>
/// The limit is counted here, on the decoded body, because Kestrel's own count of a chunked
/// body includes its chunk framing: 99,999 bytes sent in small chunks were refused under a
/// 100,000-byte limit that let the same bytes with a Content-Length through. The endpoint
/// lifts Kestrel's per-request limit for that reason (a Content-Length over the limit is
/// refused before the body is read).
///
/// A body that ends without a read of 0 at its declared end never ends cleanly here: the
/// client cut it short (its Content-Length or last chunk never came), broke its framing,
/// sent too slowly, or went away. Each becomes a <see cref="RequestBodyIncompleteException"/>
/// instead of passing the bytes so far off as the whole body (docs/protocols.md §2, §7).
/// </remarks>
internal sealed class CallerBodyStream(Stream inner, long limit, long? declaredLength, CancellationToken callerAborted) : Stream
{
    private long _received;

    public override bool CanRead => true;

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
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new RequestTooLargeException(limit);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            throw new RequestBodyIncompleteException(FunctionErrorKind.RequestBodyTimeout, $"request body timed out after {Received()} ({e.Message})", e);
        }
        catch (BadHttpRequestException e) when (!callerAborted.IsCancellationRequested)
        {
            throw new RequestBodyIncompleteException(FunctionErrorKind.RequestBodyIncomplete, $"request body incomplete after {Received()} ({e.Message})", e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !callerAborted.IsCancellationRequested)
        {
            throw; // The reader's own stop (a deadline): the reader classifies it.
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // A reset, an abort, or a half-close, which Kestrel takes for the caller leaving.
            throw new RequestBodyIncompleteException(FunctionErrorKind.CallerGone, $"request body incomplete after {Received()} (the caller went away)", e);
        }

        _received += read;
        if (_received > limit)
        {
            throw new RequestTooLargeException(limit);
        }

        if (read == 0 && _received < declaredLength && !buffer.IsEmpty)
        {
            throw new RequestBodyIncompleteException(FunctionErrorKind.RequestBodyIncomplete, $"request body incomplete after {Received()}", null);
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private string Received() => declaredLength is { } declared
        ? string.Create(CultureInfo.InvariantCulture, $"{_received} of {declared} bytes")
        : string.Create(CultureInfo.InvariantCulture, $"{_received} bytes");
}
