namespace Fnagent.Direktiv;

/// <summary>Settings of Direktiv functions (docs/protocols.md §8), each with a default.</summary>
public sealed class DirektivOptions
{
    /// <summary>How each instance gets its own port 8080; <see cref="DirektivIsolation.Auto"/> picks namespaces where they work.</summary>
    public DirektivIsolation Isolation { get; set; } = DirektivIsolation.Auto;

    /// <summary>How long a function may take to accept connections on its port before its start fails.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the agent waits for the function to answer <c>DELETE /</c> on a deadline or abort.</summary>
    public TimeSpan CancelTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest body a function may POST to the log endpoint (413 past it).</summary>
    public int MaxLogRequestBytes { get; set; } = 1 << 20;

    /// <summary>Largest input the built-in command runner accepts (files included).</summary>
    public int MaxCommandInputBytes { get; set; } = 16 << 20;

    /// <summary>
    /// How long after a call ends its action id still takes log lines: Direktiv's own
    /// examples post them without waiting, so they can arrive just after the answer.
    /// </summary>
    public TimeSpan LateLogGrace { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How many ended calls at most are remembered for <see cref="LateLogGrace"/> (the oldest go first).</summary>
    public int MaxLateLogCalls { get; set; } = 1024;

    /// <summary>The port of the log endpoint, inside each namespace or, in the fallback, on the host.</summary>
    public int LogPort { get; set; } = 8889;
}
