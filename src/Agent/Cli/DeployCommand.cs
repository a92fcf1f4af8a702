using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Fnagent.Cli;

/// <summary>
/// <c>fnagent deploy [DIR] [--app APP]</c>: uploads a function folder to a running agent as
/// a new version of the function.
/// </summary>
/// <remarks>
/// Steps:
/// 1. Read DIR's func.yml (name, app) or Fn func.yaml (name); the app is --app, else func.yml's app.
/// 2. Pack DIR as a .tar.gz into a temporary file (<see cref="FunctionArchive"/>).
/// 3. Find the app by name, or create it.
/// 4. Find the function in it by name, or create it with just its name.
/// 5. Upload the archive; the agent answers once the new version is built and serving.
/// 6. Print the version and the URLs that call it.
/// </remarks>
internal static class DeployCommand
{
    /// <summary>The upload waits for the build (an npm ci, a pip install), so it gets far longer than a plain request.</summary>
    private static readonly TimeSpan BuildBound = TimeSpan.FromMinutes(10);

    public static Command Create()
    {
        var directory = new Argument<string>("DIR") { Description = "The function folder (default: the current folder)", DefaultValueFactory = _ => "." };
        var appOption = new Option<string?>("--app") { Description = "The app to deploy into (default: func.yml's app); made when missing" };
        var command = new Command("deploy", "Upload a function folder to the agent as the function's new version") { directory, appOption };
        ManagementClient.SetAction(command, async (result, client, cancellationToken) =>
        {
            // Step 1: what to deploy where.
            var folder = FunctionFolder.Read(result.GetValue(directory)!);
            var appName = result.GetValue(appOption) ?? folder.App ?? throw new CommandFailure("--app is required: " + folder.DefinitionFile + " names no app");
            if (!FunctionFolder.IsName(appName))
            {
                throw new CommandFailure($"--app: expected lower-case letters, digits, '-' or '_' starting with a letter or digit, got \"{appName}\"");
            }

            // Step 2: the archive, before anything changes on the agent.
            await using var archive = await FunctionArchive.PackAsync(folder.Directory, cancellationToken);

            // Steps 3 and 4: the app and the function, made when missing.
            var app = await client.FindAppAsync(appName, cancellationToken) ?? await client.CreateAppAsync(appName, cancellationToken);
            var fn = await client.FindFnAsync(app, folder.Name, cancellationToken) ?? await client.CreateFnAsync(app, folder.Name, cancellationToken);

            // Step 5: upload and wait for the build.
            var size = archive.Length;
            var deployed = await AnsiConsole.Status().StartAsync(
                $"Building {Markup.Escape(appName)}/{Markup.Escape(folder.Name)} ({size / 1024.0:0.#} KiB)...",
                _ => client.UploadCodeAsync(fn, archive, cancellationToken));

            // Step 6: where to call it.
            var triggers = await client.TriggersAsync(deployed, cancellationToken).ToListAsync(cancellationToken);
            Console.Out.Write(Summary(client.Http.BaseAddress!, app, deployed, triggers));
            return 0;
        }, BuildBound);
        return command;
    }

    private static string Summary(Uri agent, ManagedApp app, ManagedFn fn, List<ManagedTrigger> triggers)
    {
        var version = fn.Version?.ToString(CultureInfo.InvariantCulture) ?? "?";
        var lines = new List<string> { $"Deployed {app.Name}/{fn.Name} version {version}" };
        if (fn.Route is { Length: > 0 } route)
        {
            lines.Add($"  {agent}r/{app.Name}/{route.TrimStart('/')}");
        }

        if (fn.Annotations?.GetValueOrDefault("fnproject.io/fn/invokeEndpoint") is { Length: > 0 } invoke)
        {
            lines.Add($"  {invoke}");
        }

        foreach (var trigger in triggers)
        {
            if (trigger.Annotations?.GetValueOrDefault("fnproject.io/trigger/httpEndpoint") is { Length: > 0 } endpoint)
            {
                lines.Add($"  {endpoint}  (trigger {trigger.Name})");
            }
        }

        return string.Join('\n', lines) + "\n";
    }
}
