namespace Fnagent.Functions;

/// <summary>
/// What one func.yml said: a <see cref="Function"/> when the file is valid, otherwise every
/// problem found in it, in line order. Exactly one of the two is non-empty.
/// </summary>
public sealed class ParsedFunctionFile
{
    internal ParsedFunctionFile(FunctionDefinition? function, IReadOnlyList<FunctionLoadError> errors, int? routeLine)
    {
        Function = function;
        Errors = errors;
        RouteLine = routeLine;
    }

    /// <summary>The definition, or null when <see cref="Errors"/> is not empty.</summary>
    public FunctionDefinition? Function { get; }

    /// <summary>The problems found, one per key (or one for the whole file).</summary>
    public IReadOnlyList<FunctionLoadError> Errors { get; }

    /// <summary>The line a route clash is reported at: the <c>route</c> key, else the <c>name</c> key.</summary>
    internal int? RouteLine { get; }
}
