namespace Fnagent.Cli;

/// <summary>
/// What a management verb could not do, said in a sentence for stderr: an unknown name, a
/// refused request (the agent's own message), a folder that cannot be deployed. The verb
/// exits 1 with it; an agent that cannot be reached exits 2 instead (<see cref="ManagementClient.SetAction"/>).
/// </summary>
internal sealed class CommandFailure(string message) : Exception(message);
