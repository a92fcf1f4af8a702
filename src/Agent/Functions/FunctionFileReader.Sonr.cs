using Fnagent.State.Blobs;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Functions;

/// <summary>The accessor of <c>sonr</c>: a Sonr deployable function's controller, binary, callback and parameters.</summary>
internal sealed partial class FunctionFileReader
{
    private static readonly string[] SonrKeys = ["controller", "binary", "callback", "params"];

    /// <summary>
    /// <c>sonr</c>: a mapping of <c>controller</c> (a Sonr DID), <c>binary</c> (a CID of the
    /// content store), optional <c>callback</c> (an http or https URL) and <c>params</c> (a
    /// list of names, distinct ignoring case: each is an <c>FN_PARAM_&lt;NAME&gt;</c>).
    /// </summary>
    public SonrFunction? Sonr(string key)
    {
        if (Node(key) is not { } node)
        {
            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            Error(key, node, $"expected a mapping like {{controller: did:sonr:alice, binary: bafkrei...}}, got {Describe(node)}");
            return null;
        }

        var before = _errors.Count;
        YamlNode? Value(string name) => mapping.Children.TryGetValue(new YamlScalarNode(name), out var value) && !IsNull(value) ? value : null;
        string? Scalar(string name, string what)
        {
            switch (Value(name))
            {
                case null:
                    return null;
                case YamlScalarNode { Value: { } text }:
                    return text;
                case var other:
                    Error($"{key}.{name}", other, $"expected {what}, got {Describe(other)}");
                    return null;
            }
        }

        if (mapping.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value).FirstOrDefault(k => !SonrKeys.Contains(k)) is { } unknown)
        {
            Error(key, mapping, $"unknown key {Quote(unknown)}; known keys are {string.Join(", ", SonrKeys)}");
        }

        var controller = Scalar("controller", "a DID");
        if (controller is null)
        {
            Error($"{key}.controller", mapping, "required: the DID of the function's controller, like did:sonr:alice");
        }
        else if (SonrFunction.DidProblem(controller) is { } didProblem)
        {
            Error($"{key}.controller", Value("controller"), $"{didProblem}, got {Quote(controller)}");
        }

        var binary = Scalar("binary", "a CID");
        if (binary is null)
        {
            Error($"{key}.binary", mapping, "required: the CID of the function's binary in the content store");
        }
        else if (Cid.TryParse(binary, out var cidProblem) is null)
        {
            Error($"{key}.binary", Value("binary"), $"{cidProblem}, got {Quote(binary)}");
        }

        Uri? callback = null;
        if (Scalar("callback", "a URL") is { } url)
        {
            callback = SonrFunction.ParseCallback(url, out var urlProblem);
            if (urlProblem is not null)
            {
                Error($"{key}.callback", Value("callback"), urlProblem);
            }
        }

        var parameters = SonrParams($"{key}.params", Value("params"));
        return _errors.Count == before ? new SonrFunction(controller!, binary!, callback, parameters) : null;
    }

    private List<string> SonrParams(string key, YamlNode? node)
    {
        var names = new List<string>();
        if (node is null)
        {
            return names;
        }

        if (node is not YamlSequenceNode list)
        {
            Error(key, node, $"expected a list of parameter names like [lang], got {Describe(node)}");
            return names;
        }

        foreach (var item in list)
        {
            if (item is not YamlScalarNode { Value: { } name } || IsNull(item))
            {
                Error(key, item, $"expected a parameter name, got {Describe(item)}");
            }
            else if (SonrFunction.ParamProblem(name) is { } problem)
            {
                Error(key, item, problem);
            }
            else if (names.Any(n => SonrFunction.Variable(n) == SonrFunction.Variable(name)))
            {
                Error(key, item, $"expected each parameter once (ignoring case: each is {SonrFunction.Variable(name)}), got \"{name}\" twice");
            }
            else
            {
                names.Add(name);
            }
        }

        if (names.Count > SonrFunction.MaxParams)
        {
            Error(key, node, $"expected at most {SonrFunction.MaxParams} parameters, got {names.Count}");
        }

        return names;
    }
}
