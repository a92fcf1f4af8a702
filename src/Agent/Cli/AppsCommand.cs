using System.CommandLine;
using System.Globalization;

namespace Fnagent.Cli;

/// <summary><c>fnagent apps list | create NAME | delete NAME | config ...</c>: the apps of the management API (<c>/v2/apps</c>).</summary>
internal static class AppsCommand
{
    public static Command Create()
    {
        return new Command("apps", "List, create, delete and configure apps")
        {
            List(),
            ByName("create", "Create an app", async (client, name, cancellationToken) =>
            {
                var app = await client.CreateAppAsync(name, cancellationToken);
                Console.Out.WriteLine($"created app {app.Name} ({app.Id})");
            }),
            ByName("delete", "Delete an app and all its functions", async (client, name, cancellationToken) =>
            {
                var app = await client.AppAsync(name, cancellationToken);
                await client.DeleteAppAsync(app, cancellationToken);
                Console.Out.WriteLine($"deleted app {app.Name}");
            }),
            ConfigCommands.Create(new ConfigTarget(
                () => [AppArgument()],
                async (client, names, cancellationToken) =>
                {
                    var app = await client.AppAsync(names[0], cancellationToken);
                    return new ConfigOwner($"app {app.Name}", app.Config ?? [], (key, value, token) => client.SetAppConfigAsync(app, key, value, token));
                })),
        };
    }

    public static Argument<string> AppArgument() => new("APP") { Description = "The app's name" };

    private static Command List()
    {
        var command = new Command("list", "List the apps");
        ManagementClient.SetAction(command, async (_, client, cancellationToken) =>
        {
            var apps = await client.AppsAsync(cancellationToken).ToListAsync(cancellationToken);
            ListTable.Write(
                ["name", "id", "auth", "config keys", "created (UTC)"],
                apps.Select(a => new[]
                {
                    a.Name,
                    a.Id,
                    a.Auth ?? "",
                    (a.Config?.Count ?? 0).ToString(CultureInfo.InvariantCulture),
                    a.CreatedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "",
                }));
            return 0;
        });
        return command;
    }

    private static Command ByName(string name, string description, Func<ManagementClient, string, CancellationToken, Task> action)
    {
        var app = new Argument<string>("NAME") { Description = "The app's name" };
        var command = new Command(name, description) { app };
        ManagementClient.SetAction(command, async (result, client, cancellationToken) =>
        {
            await action(client, result.GetValue(app)!, cancellationToken);
            return 0;
        });
        return command;
    }
}
