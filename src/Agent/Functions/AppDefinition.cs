namespace Fnagent.Functions;

/// <summary>
/// An app: declared by an <c>app.yml</c> (its config, annotations and auth), or implied by the
/// functions that name it (then with nothing of its own). Immutable, like a function.
/// </summary>
public sealed record AppDefinition
{
    /// <summary>The file name of an app's own definition.</summary>
    public const string FileName = "app.yml";

    public required string Name { get; init; }

    /// <summary>Stable id (<see cref="FunctionIds.App"/>).</summary>
    public string Id => FunctionIds.App(Name);

    /// <summary>Environment entries every function of the app gets, under its own (the function's win).</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>Who may call the app's functions, unless a function says otherwise.</summary>
    public CallAuth Auth { get; init; } = CallAuth.Open;

    /// <summary>Full path of the app.yml, or null for an app only its functions name.</summary>
    public string? SourceFile { get; init; }
}
