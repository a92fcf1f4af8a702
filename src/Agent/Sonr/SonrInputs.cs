using System.Collections.Concurrent;
using Fnagent.Functions;
using Fnagent.Invocation;
using Fnagent.Processes;
using Fnagent.State.Blobs;

namespace Fnagent.Sonr;

/// <summary>
/// What a Sonr function's process gets (docs/protocols.md §9): its binary, a file of the
/// content store bound read-only into its sandbox, as its command with the content's CID as
/// its argument; the content, checked against its CID, on stdin; each parameter in
/// <c>FN_PARAM_&lt;NAME&gt;</c>. A binary is checked against its CID and made executable
/// (r-x for everyone: the functions' user runs it, nobody writes it) once per version of
/// its file; the content is checked on every call. Thread-safe.
/// </summary>
public sealed class SonrInputs(IFunctionRegistry registry, BlobStore blobs) : ICallInputs
{
    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    // Binaries checked, by path: the file's length and modification time when it was.
    private readonly ConcurrentDictionary<string, (long Length, DateTime Modified)> _checked = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public async Task<(CallInput? Input, FunctionError? Error)> OpenAsync(FunctionDefinition function, string target, CancellationToken cancellationToken)
    {
        if (function.Sonr is null)
        {
            return (null, null);
        }

        if (SonrCall.Read(registry, target, out _, out var problem) is not { } call)
        {
            // The function changed since the call was accepted (its controller, its parameters).
            return (null, new FunctionError(FunctionErrorKind.NotFound, problem!));
        }

        try
        {
            return await OpenAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobCorruptException e)
        {
            return (null, new FunctionError(FunctionErrorKind.Exited, e.Message));
        }
    }

    /// <summary>
    /// The input of <paramref name="call"/>, or the error its caller gets: 404 when the store has
    /// no such content. Throws <see cref="BlobCorruptException"/> when the content's file no
    /// longer matches its CID (never served).
    /// </summary>
    public async Task<(CallInput? Input, FunctionError? Error)> OpenAsync(SonrCall call, CancellationToken cancellationToken)
    {
        var (binary, error) = await BinaryAsync(call.Function, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return (null, error);
        }

        var content = await blobs.OpenAsync(call.Content, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return (null, new FunctionError(FunctionErrorKind.NotFound, $"the content store has no blob {call.Content}"));
        }

        var environment = call.Params.ToDictionary(p => SonrFunction.Variable(p.Key), p => p.Value, StringComparer.Ordinal);
        return (new CallInput(content, content.Length, new LaunchAdditions([binary!, call.Content.Text], environment, [binary!])), null);
    }

    /// <summary>Whether the store holds <paramref name="cid"/> (a callback's caller hears 404 before its 202 otherwise).</summary>
    public bool Holds(Cid cid) => File.Exists(blobs.PathOf(cid));

    private async Task<(string? Path, FunctionError? Error)> BinaryAsync(FunctionDefinition function, CancellationToken cancellationToken)
    {
        var cid = Cid.TryParse(function.Sonr!.Binary, out _)!;
        var path = blobs.PathOf(cid);
        var info = new FileInfo(path);
        if (info.Exists && _checked.TryGetValue(path, out var stamp) && stamp == (info.Length, info.LastWriteTimeUtc))
        {
            return (path, null);
        }

        try
        {
            await using var file = await blobs.OpenAsync(cid, cancellationToken).ConfigureAwait(false);
            if (file is null)
            {
                return (null, new FunctionError(FunctionErrorKind.StartFailed,
                    $"the binary {cid} of Sonr function \"{function.Name}\" is not in the content store; add the function again"));
            }

            File.SetUnixFileMode(path, Executable);
            info = new FileInfo(path);
            _checked[path] = (info.Length, info.LastWriteTimeUtc);
            return (path, null);
        }
        catch (BlobCorruptException e)
        {
            return (null, new FunctionError(FunctionErrorKind.StartFailed, $"Sonr function \"{function.Name}\": {e.Message}"));
        }
    }
}
