using System.CommandLine;
using Fnagent.Cli;
using Fnagent.Hosting;

InlineCompletions.Enable();

var root = new RootCommand("fnagent: turns any executable into an HTTP endpoint")
{
    ServeCommand.Create(),
    CallCommand.Create(),
    LogsCommand.Create(),
    BlobCommand.Create(),
    FunctionCommand.Create(),
    CallsCommand.Create(),
    BenchCommand.Create(),
    InitCommand.Create(),
    DeployCommand.Create(),
    AppsCommand.Create(),
    FnsCommand.Create(),
    InvokeCommand.Create(),
    RollbackCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
