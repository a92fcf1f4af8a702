namespace Fnagent.Functions;

/// <summary>
/// The functions the agent serves. Lookups are safe from any thread and see either the
/// set before or after a reload, never a mix.
/// </summary>
public interface IFunctionRegistry
{
    /// <summary>Finds the function served at <paramref name="route"/> (starting with <c>/</c>) of <paramref name="app"/>.</summary>
    bool TryFind(string app, string route, out FunctionDefinition function);

    /// <summary>Every function currently loaded.</summary>
    IReadOnlyCollection<FunctionDefinition> All { get; }

    /// <summary>Problems found in the files on the last load, one per file/key.</summary>
    IReadOnlyList<FunctionLoadError> Errors { get; }

    /// <summary>Raised after the set of functions changed (a file was added, edited or removed).</summary>
    event Action? Changed;
}
