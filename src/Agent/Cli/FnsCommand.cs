using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Fnagent.Cli;

/// <summary><c>fnagent fns list APP | inspect APP FN | delete APP FN | config ...</c>: the functions of the management API (<c>/v2/fns</c>).</summary>
internal static class FnsCommand
{
    public static Command Create()
    {
        return new Command("fns", "List, inspect, delete and configure functions")
        {
            List(),
            WithFn("inspect", "Print a function as the agent describes it (JSON)", async (client, _, fn, cancellationToken) =>
            {
                using var document = await client.FnDocumentAsync(fn, cancellationToken);
                await using var stdout = Console.OpenStandardOutput();
                await using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
                {
                    document.WriteTo(writer);
                }

                stdout.WriteByte((byte)'\n');
            }),
            WithFn("delete", "Delete a function", async (client, app, fn, cancellationToken) =>
            {
                await client.DeleteFnAsync(fn, cancellationToken);
                Console.Out.WriteLine($"deleted function {fn.Name} of app {app.Name}");
            }),
            ConfigCommands.Create(new ConfigTarget(
                () => [AppsCommand.AppArgument(), FnArgument()],
                async (client, names, cancellationToken) =>
                {
                    var (app, fn) = await client.FnAsync(names[0], names[1], cancellationToken);
                    return new ConfigOwner($"function {fn.Name} of app {app.Name}", fn.Config ?? [], (key, value, token) => client.SetFnConfigAsync(fn, key, value, token));
                })),
        };
    }

    public static Argument<string> FnArgument() => new("FN") { Description = "The function's name" };

    private static Command List()
    {
        var app = AppsCommand.AppArgument();
        var command = new Command("list", "List the functions of an app") { app };
        ManagementClient.SetAction(command, async (result, client, cancellationToken) =>
        {
            var owner = await client.AppAsync(result.GetValue(app)!, cancellationToken);
            var fns = await client.FnsAsync(owner, cancellationToken).ToListAsync(cancellationToken);
            ListTable.Write(
                ["name", "id", "version", "format", "type", "route", "updated (UTC)"],
                fns.Select(f => new[]
                {
                    f.Name,
                    f.Id,
                    f.Version?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    f.Format ?? "",
                    f.Type ?? "",
                    f.Route ?? "",
                    f.UpdatedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "",
                }));
            return 0;
        });
        return command;
    }

    private static Command WithFn(string name, string description, Func<ManagementClient, ManagedApp, ManagedFn, CancellationToken, Task> action)
    {
        var app = AppsCommand.AppArgument();
        var fnName = FnArgument();
        var command = new Command(name, description) { app, fnName };
        ManagementClient.SetAction(command, async (result, client, cancellationToken) =>
        {
            var (owner, fn) = await client.FnAsync(result.GetValue(app)!, result.GetValue(fnName)!, cancellationToken);
            await action(client, owner, fn, cancellationToken);
            return 0;
        });
        return command;
    }
}
