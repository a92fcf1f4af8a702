namespace Fnagent.Functions;

/// <summary>What a format's calls travel over (a row of <see cref="FunctionFormats"/>).</summary>
public enum FormatTransport
{
    /// <summary>The process's stdin and stdout; stderr is its log.</summary>
    StdioPipes,

    /// <summary>A Unix socket the process listens on, named by <c>FN_LISTENER</c>; stdout and stderr are both its log.</summary>
    UnixSocket,

    /// <summary>A TCP port the process listens on; stdout and stderr are both its log.</summary>
    Tcp,
}
