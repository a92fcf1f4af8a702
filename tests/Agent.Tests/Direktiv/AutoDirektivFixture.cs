using Fnagent.Direktiv;

namespace Fnagent.Agent.Tests.Direktiv;

/// <summary>Namespaces where this machine has them (CI installs bubblewrap and socat), else the fallback.</summary>
public sealed class AutoDirektivFixture : DirektivFixture
{
    protected override DirektivIsolation Isolation => DirektivIsolation.Auto;
}
