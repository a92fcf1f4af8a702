namespace Fnagent.Agent.Tests.Direktiv;

/// <summary>The same contract through the port fallback, as on a machine without namespaces.</summary>
public sealed class DirektivPortFallbackTests(PortDirektivFixture fixture) : DirektivFunctionContract(fixture), IClassFixture<PortDirektivFixture>;
