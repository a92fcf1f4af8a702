namespace Fnagent.Functions;

/// <summary>The network a sandboxed function sees (func.yml <c>network</c>).</summary>
public enum FunctionNetwork
{
    /// <summary>The host's: it may call APIs, and listen where the host lets it.</summary>
    Host,

    /// <summary>None: an empty network namespace, not even a loopback that is up.</summary>
    None,
}
