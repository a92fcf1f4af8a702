namespace Fnagent.Direktiv;

/// <summary>How a Direktiv function instance gets a port 8080 and a log endpoint 8889 of its own.</summary>
public enum DirektivIsolation
{
    /// <summary>Network namespaces where bubblewrap and socat work, else <see cref="Port"/>.</summary>
    Auto,

    /// <summary>Each instance in its own network namespace, as a pod with a sidecar: its own 8080 and 8889.</summary>
    Namespace,

    /// <summary>Fallback: a free port passed as <c>PORT</c>; the log endpoint on the host's 127.0.0.1:8889.</summary>
    Port,
}
