namespace Fnagent.Functions;

/// <summary>
/// The functions the agent serves. Lookups are safe from any thread and see either the
/// set before or after a reload, never a mix.
/// </summary>
public interface IFunctionRegistry
{
    /// <summary>Finds the function served at <paramref name="route"/> (starting with <c>/</c>) of <paramref name="app"/>.</summary>
    bool TryFind(string app, string route, out FunctionDefinition function);

    /// <summary>Finds the function with this id (<see cref="FunctionIds"/>).</summary>
    bool TryFindById(string id, out FunctionDefinition function);

    /// <summary>Finds the function an HTTP trigger of <paramref name="app"/> with this source (starting with <c>/</c>) reaches.</summary>
    bool TryFindTrigger(string app, string source, out FunctionDefinition function);

    /// <summary>Finds the Sonr deployable function of this name (docs/protocols.md §9): those have no route.</summary>
    bool TryFindSonr(string name, out FunctionDefinition function);

    /// <summary>Finds an app by name: declared by an app.yml or named by a function.</summary>
    bool TryFindApp(string name, out AppDefinition app);

    /// <summary>Every app, by name.</summary>
    IReadOnlyList<AppDefinition> Apps { get; }

    /// <summary>Functions created through the API that wait for their first code upload (not in <see cref="All"/>).</summary>
    IReadOnlyList<FunctionDefinition> Waiting { get; }

    /// <summary>Every function currently loaded that can be called.</summary>
    IReadOnlyCollection<FunctionDefinition> All { get; }

    /// <summary>Problems found in the files on the last load, one per file/key.</summary>
    IReadOnlyList<FunctionLoadError> Errors { get; }

    /// <summary>Raised after the set of functions changed (a file was added, edited or removed).</summary>
    event Action? Changed;
}
