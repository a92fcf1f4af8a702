namespace Fnagent.Agent.Tests.Direktiv;

/// <summary>The contract with namespaces where the machine has them (CI installs bubblewrap and socat).</summary>
public sealed class DirektivFunctionTests(AutoDirektivFixture fixture) : DirektivFunctionContract(fixture), IClassFixture<AutoDirektivFixture>;
