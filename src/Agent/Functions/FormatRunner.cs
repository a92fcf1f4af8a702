namespace Fnagent.Functions;

/// <summary>Which of the agent's runners runs the calls of a format (a row of <see cref="FunctionFormats"/>).</summary>
public enum FormatRunner
{
    /// <summary><c>Invocation.ColdRunner</c>: a process per call, admitted under <c>max_concurrency</c>.</summary>
    Cold,

    /// <summary><c>Invocation.HotRunner</c>: a process from the function's hot pool, through the format's codec.</summary>
    Hot,

    /// <summary><c>Direktiv.DirektivRunner</c>: the function's HTTP server, or the built-in command runner.</summary>
    Direktiv,
}
