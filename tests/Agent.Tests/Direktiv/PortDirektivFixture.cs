using Fnagent.Direktiv;

namespace Fnagent.Agent.Tests.Direktiv;

/// <summary>The port fallback, forced: it binds the host's 127.0.0.1:8889, so only this fixture may use it.</summary>
public sealed class PortDirektivFixture : DirektivFixture
{
    protected override DirektivIsolation Isolation => DirektivIsolation.Port;
}
