using Fnagent.Functions;
using Fnagent.State.Blobs;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Management;

/// <summary>
/// Sonr's function table (docs/protocols.md §9): each function a func.yml of the <c>sonr</c>
/// app, <c>&lt;sonr app folder&gt;/&lt;name&gt;/func.yml</c>, whose <c>sonr</c> mapping names
/// its controller, its binary by CID, its callback and its parameters. Served, like every
/// write here, before the method returns; removed, no longer served when it returns.
/// </summary>
public sealed partial class FunctionsFolder
{
    /// <summary>Every Sonr function, by name.</summary>
    public IReadOnlyList<FunctionDefinition> SonrFunctions() =>
        [.. functions.All.Where(f => f.Sonr is not null).OrderBy(f => f.Name, StringComparer.Ordinal)];

    /// <summary>
    /// Adds or replaces the Sonr function <paramref name="name"/>; true when it is new. Its
    /// binary must be in <paramref name="blobs"/> and match its CID: the definition then names
    /// those bytes, whatever later happens to the file it was read from.
    /// </summary>
    public async Task<(FunctionDefinition Function, bool Created)> PutSonrAsync(string name, SonrRegistration registration, BlobStore blobs,
        CancellationToken cancellationToken)
    {
        CheckName(name);
        var controller = registration.Controller ?? throw ManagementProblem.BadInput("required: the controller's DID, like did:sonr:alice", "controller");
        if (SonrFunction.DidProblem(controller) is { } didProblem)
        {
            throw ManagementProblem.BadInput($"{didProblem}, got \"{controller}\"", "controller");
        }

        var binaryText = registration.Binary ?? throw ManagementProblem.BadInput("required: the CID of the binary in the content store", "binary");
        var binary = Cid.TryParse(binaryText, out var cidProblem) ?? throw ManagementProblem.BadInput($"{cidProblem}, got \"{binaryText}\"", "binary");
        try
        {
            await using var stored = await blobs.OpenAsync(binary, cancellationToken).ConfigureAwait(false)
                ?? throw ManagementProblem.BadInput($"the content store has no blob {binary}: store the binary first (POST /v1/blobs)", "binary");
        }
        catch (BlobCorruptException e)
        {
            throw ManagementProblem.BadInput(e.Message, "binary");
        }

        lock (_writes)
        {
            var existing = functions.TryFindSonr(name, out var found) ? found : null;
            var folder = Path.Combine(AppFolder(SonrFunction.App), name);
            var path = existing?.SourceFile ?? Path.Combine(folder, FunctionFileParser.FileName);
            if (existing is null && Directory.Exists(folder))
            {
                throw ManagementProblem.Conflict($"the folder {folder} exists already and holds no Sonr function; remove it or pick another name", "name");
            }

            var file = DefinitionFile.Open(path);
            file.Set("name", new YamlScalarNode(name));
            file.Set("app", new YamlScalarNode(SonrFunction.App));
            var sonr = new YamlMappingNode { { "controller", controller }, { "binary", binary.Text } };
            if (registration.Callback is { Length: > 0 } callback)
            {
                sonr.Add("callback", callback);
            }

            if (registration.Params is { Count: > 0 } parameters)
            {
                sonr.Add("params", new YamlSequenceNode(parameters.Select(p => new YamlScalarNode(p))));
            }

            file.Set("sonr", sonr);
            file.Set("network", registration.Network is null ? null : new YamlScalarNode(registration.Network));
            var text = file.Text();
            if (FunctionFileParser.Parse(path, text).Errors is [var error, ..])
            {
                // The file's keys are the request's fields: sonr.callback is callback.
                throw ManagementProblem.BadInput(error.Message, error.Key?.Replace("sonr.", "", StringComparison.Ordinal));
            }

            Write(path, text, () => functions.TryFindSonr(name, out var served) && served.SourceFile == path);
            functions.TryFindSonr(name, out var written);
            return (written, existing is null);
        }
    }

    /// <summary>Removes the Sonr function <paramref name="name"/>: from when this returns, its calls answer 404.</summary>
    public void RemoveSonr(string name)
    {
        lock (_writes)
        {
            if (!functions.TryFindSonr(name, out var function))
            {
                throw ManagementProblem.NotFound($"no Sonr function \"{name}\"");
            }

            RemoveFunctionFiles(function);
            functions.Reload();
        }
    }
}
