using System.CommandLine;
using System.Globalization;

namespace Fnagent.Cli;

/// <summary><c>fnagent rollback APP FN</c>: serves the function's previous version again (<c>POST /v2/fns/{id}/rollback</c>).</summary>
internal static class RollbackCommand
{
    public static Command Create()
    {
        var app = AppsCommand.AppArgument();
        var fnName = FnsCommand.FnArgument();
        var command = new Command("rollback", "Serve a function's previous version again") { app, fnName };
        ManagementClient.SetAction(command, async (result, client, cancellationToken) =>
        {
            var (owner, fn) = await client.FnAsync(result.GetValue(app)!, result.GetValue(fnName)!, cancellationToken);
            var serving = await client.RollbackAsync(fn, cancellationToken);
            Console.Out.WriteLine($"{owner.Name}/{serving.Name} is serving version {serving.Version?.ToString(CultureInfo.InvariantCulture) ?? "?"}");
            return 0;
        });
        return command;
    }
}
