namespace Fnagent.Processes;

/// <summary>How functions are isolated from the machine and from each other (docs/operations.md, "Sandbox").</summary>
public sealed class SandboxOptions
{
    /// <summary><see cref="SandboxMode.Auto"/>: sandbox where bubblewrap works here, else say why at start and run without.</summary>
    public SandboxMode Mode { get; set; } = SandboxMode.Auto;

    /// <summary>The bubblewrap executable; a bare name is looked up in the system folders.</summary>
    public string Bwrap { get; set; } = "bwrap";

    /// <summary>
    /// Folders every function sees read-only besides the system ones (<c>:</c>-separated):
    /// an install of a language runtime outside <c>/usr</c>, code shared by several functions.
    /// </summary>
    public string? ReadOnlyPaths { get; set; }

    /// <summary>
    /// Folders every function may write besides its <c>/tmp</c> (<c>:</c>-separated): a cache
    /// shared by the functions of one operator. Nothing is writable by default.
    /// </summary>
    public string? WritablePaths { get; set; }
}

/// <summary>Whether functions run in the sandbox (<see cref="SandboxOptions.Mode"/>).</summary>
public enum SandboxMode
{
    /// <summary>Sandboxed where it works; where it does not, one line at start says why and functions run without it.</summary>
    Auto,

    /// <summary>Sandboxed, or not served: where the sandbox cannot work, no function is loaded and each says why.</summary>
    Required,

    /// <summary>Never sandboxed (the operator's choice; functions still run as <c>RunAs</c> and within their limits).</summary>
    Off,
}
