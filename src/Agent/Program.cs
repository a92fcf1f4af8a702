using System.CommandLine;
using Fnagent.Cli;

var root = new RootCommand("fnagent: turns any executable into an HTTP endpoint")
{
    ServeCommand.Create(),
    CallCommand.Create(),
    LogsCommand.Create(),
    BenchCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
