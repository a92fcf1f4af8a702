using System.Collections;
using System.Collections.Concurrent;

namespace Fnagent.Processes;

/// <summary>
/// The environment the operator started the agent with, for the processes that are the
/// operator's own steps (builds): the agent's environment without the variables the agent
/// set in it for itself. A function never sees any of it (see ProcessSpec). Thread-safe.
/// </summary>
public static class OperatorEnvironment
{
    private static readonly ConcurrentDictionary<string, byte> SetByAgent = new(StringComparer.Ordinal);

    /// <summary>The admin token's variables, the agent's and the CLI's: never handed on.</summary>
    private static readonly HashSet<string> Secrets = new(StringComparer.Ordinal) { "FNAGENT_AdminToken", "FNAGENT_TOKEN" };

    /// <summary>Sets <paramref name="name"/> in the agent's environment unless the operator set it; true when set here.</summary>
    public static bool SetUnlessGiven(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is not null)
        {
            return false;
        }

        Environment.SetEnvironmentVariable(name, value);
        SetByAgent[name] = 0;
        return true;
    }

    /// <summary>A copy of the agent's environment without what <see cref="SetUnlessGiven"/> added.</summary>
    public static Dictionary<string, string> Read()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            // A build runs code an upload brought (npm scripts): the agent's secrets are not the build's.
            if (!SetByAgent.ContainsKey(name) && !Secrets.Contains(name))
            {
                environment[name] = (string?)entry.Value ?? "";
            }
        }

        return environment;
    }
}
