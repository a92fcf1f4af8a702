namespace Fnagent.Invocation;

/// <summary>
/// Holds a function's output while it cannot go to the caller yet: in memory up to
/// <see cref="MemoryBytes"/>, then in a file in the process's private directory, so the
/// agent's memory stays bounded whatever the function writes. Not thread-safe.
/// </summary>
/// <remarks>
/// Why: many HTTP clients (HttpClient among them) send the whole request body before
/// they read any of the response. If the agent wrote the output straight to such a
/// caller, a function that echoes as it reads (cat) would block on a full stdout pipe,
/// stop reading stdin, and the call would wedge until its deadline.
/// </remarks>
internal sealed class OutputSpool(string directory) : IAsyncDisposable
{
    public const int MemoryBytes = 256 * 1024;

    private readonly MemoryStream _memory = new();
    private FileStream? _file;

    public long Length => _memory.Length + (_file?.Length ?? 0);

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data)
    {
        if (_file is null && _memory.Length + data.Length <= MemoryBytes)
        {
            _memory.Write(data.Span);
            return;
        }

        _file ??= new FileStream(Path.Combine(directory, "fnagent-output.spool"), FileMode.Create, FileAccess.ReadWrite,
            FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await _file.WriteAsync(data).ConfigureAwait(false);
    }

    /// <summary>Writes everything held, in order, and empties the spool.</summary>
    public async ValueTask DrainToAsync(Stream destination, CancellationToken cancellationToken)
    {
        if (_memory.Length > 0)
        {
            await destination.WriteAsync(_memory.GetBuffer().AsMemory(0, (int)_memory.Length), cancellationToken).ConfigureAwait(false);
            _memory.SetLength(0);
        }

        if (_file is not null)
        {
            _file.Position = 0;
            await _file.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
            await _file.DisposeAsync().ConfigureAwait(false);
            _file = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _memory.DisposeAsync().ConfigureAwait(false);
        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }
    }
}
