using System.CommandLine;

namespace Fnagent.Cli;

/// <summary>Whose config a <c>config</c> verb changes: an app or a function, named on the command line.</summary>
/// <param name="Names">The arguments that name it (APP, or APP FN); made afresh for every sub-verb.</param>
/// <param name="Resolve">Finds it by those names.</param>
internal sealed record ConfigTarget(Func<Argument<string>[]> Names, Func<ManagementClient, string[], CancellationToken, Task<ConfigOwner>> Resolve);

/// <summary>An app or function found by name: how to say it, its config, and how to change one key of it.</summary>
internal sealed record ConfigOwner(string Label, IReadOnlyDictionary<string, string> Config, Func<string, string, CancellationToken, Task> Set);

/// <summary>
/// <c>config set|get|unset|list</c> under <c>apps</c> and <c>fns</c>: one key at a time through
/// a partial PUT, where a key set to "" is removed (the management API's merge rule).
/// </summary>
internal static class ConfigCommands
{
    public static Command Create(ConfigTarget target)
    {
        return new Command("config", "Read or change the config (environment variables of the functions)")
        {
            Verb(target, "set", "Set a config key", withKey: true, withValue: true, async (owner, key, value, cancellationToken) =>
            {
                if (value.Length == 0)
                {
                    throw new CommandFailure("an empty value removes the key: use config unset");
                }

                await owner.Set(key!, value, cancellationToken);
                Console.Out.WriteLine($"{key} set on {owner.Label}");
            }),
            Verb(target, "get", "Print a config key's value", withKey: true, withValue: false, (owner, key, _, _) =>
            {
                Console.Out.WriteLine(owner.Config.TryGetValue(key!, out var value) ? value : throw new CommandFailure($"no config {key} in {owner.Label}"));
                return Task.CompletedTask;
            }),
            Verb(target, "unset", "Remove a config key", withKey: true, withValue: false, async (owner, key, _, cancellationToken) =>
            {
                if (!owner.Config.ContainsKey(key!))
                {
                    throw new CommandFailure($"no config {key} in {owner.Label}");
                }

                await owner.Set(key!, "", cancellationToken);
                Console.Out.WriteLine($"{key} removed from {owner.Label}");
            }),
            Verb(target, "list", "List the config keys and values", withKey: false, withValue: false, (owner, _, _, _) =>
            {
                ListTable.Write(["key", "value"], owner.Config.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new[] { c.Key, c.Value }));
                return Task.CompletedTask;
            }),
        };
    }

    private static Command Verb(ConfigTarget target, string name, string description, bool withKey, bool withValue, Func<ConfigOwner, string?, string, CancellationToken, Task> action)
    {
        var names = target.Names();
        var key = new Argument<string>("KEY") { Description = "The config key" };
        var value = new Argument<string>("VALUE") { Description = "The value" };
        var command = new Command(name, description);
        foreach (var argument in names)
        {
            command.Add(argument);
        }

        if (withKey)
        {
            command.Add(key);
        }

        if (withValue)
        {
            command.Add(value);
        }

        ManagementClient.SetAction(command, async (result, client, cancellationToken) =>
        {
            var owner = await target.Resolve(client, [.. names.Select(a => result.GetValue(a)!)], cancellationToken);
            await action(owner, withKey ? result.GetValue(key) : null, withValue ? result.GetValue(value)! : "", cancellationToken);
            return 0;
        });
        return command;
    }
}
