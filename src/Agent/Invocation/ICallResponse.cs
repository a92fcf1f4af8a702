using Fnagent.Formats;

namespace Fnagent.Invocation;

/// <summary>
/// Where a call's answer goes: implemented by the HTTP front over the caller's response,
/// so nothing below the front knows about ASP.NET. One call owns it; not thread-safe.
/// </summary>
public interface ICallResponse
{
    /// <summary>True once status and headers went out: an error can no longer change them.</summary>
    bool HasStarted { get; }

    /// <summary>Sends status and headers (with the function's route headers merged in).</summary>
    ValueTask StartAsync(FunctionResponse head, CancellationToken cancellationToken);

    /// <summary>The body, written after <see cref="StartAsync"/>.</summary>
    Stream Body { get; }

    /// <summary>Sends an error as JSON; only before <see cref="HasStarted"/>.</summary>
    ValueTask WriteErrorAsync(FunctionError error, CancellationToken cancellationToken);

    /// <summary>Breaks off a response that already started, so the caller cannot take it for complete.</summary>
    void Abort();
}
