using System.Text.Json;
using Fnagent.Functions;
using YamlDotNet.RepresentationModel;

namespace Fnagent.Management;

/// <summary>Triggers: entries of their function's <c>triggers</c> list.</summary>
public sealed partial class FunctionsFolder
{
    private static readonly string[] TriggerFields = ["name", "type", "source", "app_id", "fn_id"];

    private static readonly string[] TriggerIgnored = ["id", "annotations", "created_at", "updated_at"];

    /// <summary>Every trigger with its function, in the order of the functions' files.</summary>
    public IEnumerable<(FunctionDefinition Function, FunctionTrigger Trigger)> Triggers() =>
        functions.All.Concat(functions.Waiting).SelectMany(f => f.Triggers.Select(t => (f, t)));

    public (FunctionDefinition Function, FunctionTrigger Trigger) FindTrigger(string id) =>
        Triggers().FirstOrDefault(pair => FunctionIds.Trigger(pair.Function.App, pair.Function.Name, pair.Trigger.Name) == id) is { Function: not null } found
            ? found
            : throw ManagementProblem.NotFound($"no trigger with id {id}");

    public (FunctionDefinition Function, FunctionTrigger Trigger) CreateTrigger(JsonElement body)
    {
        RefuseId(body);
        CheckFields(body);
        var name = JsonFields.Text(body, "name") ?? throw ManagementProblem.BadInput("required", "name");
        var appId = JsonFields.Text(body, "app_id") ?? throw ManagementProblem.BadInput("required", "app_id");
        var fnId = JsonFields.Text(body, "fn_id") ?? throw ManagementProblem.BadInput("required", "fn_id");
        var source = JsonFields.Text(body, "source") ?? throw ManagementProblem.BadInput("required", "source");
        lock (_writes)
        {
            var app = FindApp(appId);
            var function = FindFunction(fnId);
            if (function.App != app.Name)
            {
                throw ManagementProblem.BadInput($"function {fnId} is not of app \"{app.Name}\"", "fn_id");
            }

            if (function.Triggers.Any(t => t.Name == name))
            {
                throw ManagementProblem.Conflict($"function \"{function.Name}\" already has a trigger \"{name}\"", "name");
            }

            var trigger = Checked(new FunctionTrigger(name, JsonFields.Text(body, "type") ?? FunctionTrigger.HttpType, source));
            return WriteTriggers(function, [.. function.Triggers, trigger], name);
        }
    }

    public (FunctionDefinition Function, FunctionTrigger Trigger) UpdateTrigger(FunctionDefinition function, FunctionTrigger trigger, JsonElement body)
    {
        CheckFields(body);
        RefuseRename(body, "name", trigger.Name);
        RefuseRename(body, "app_id", FunctionIds.App(function.App));
        RefuseRename(body, "fn_id", function.Id);
        var changed = Checked(trigger with
        {
            Type = JsonFields.Text(body, "type") ?? trigger.Type,
            Source = JsonFields.Text(body, "source") ?? trigger.Source,
        });
        lock (_writes)
        {
            return WriteTriggers(function, [.. function.Triggers.Select(t => t.Name == trigger.Name ? changed : t)], trigger.Name);
        }
    }

    public void DeleteTrigger(FunctionDefinition function, FunctionTrigger trigger)
    {
        lock (_writes)
        {
            WriteTriggers(function, [.. function.Triggers.Where(t => t.Name != trigger.Name)], null);
        }
    }

    private (FunctionDefinition, FunctionTrigger) WriteTriggers(FunctionDefinition function, IReadOnlyList<FunctionTrigger> triggers, string? wanted)
    {
        var file = OpenFunction(function);
        file.Set("triggers", triggers.Count == 0 ? null : new YamlSequenceNode(triggers.Select(t => new YamlMappingNode(
            new YamlScalarNode("name"), new YamlScalarNode(t.Name),
            new YamlScalarNode("type"), new YamlScalarNode(t.Type),
            new YamlScalarNode("source"), new YamlScalarNode(t.Source) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted }))));
        try
        {
            var written = WriteFunction(file, function.App, function.Name);
            return (written, written.Triggers.FirstOrDefault(t => t.Name == wanted)!);
        }
        catch (ManagementProblem problem) when (problem.Field is "triggers")
        {
            // Name and type were checked before (Checked): what the file can still refuse is
            // its source, used twice in the function or served by another of the app.
            throw new ManagementProblem(problem.Status, problem.Message, "source");
        }
    }

    /// <summary>The request's trigger, each field judged on its own so a refusal names it.</summary>
    private static FunctionTrigger Checked(FunctionTrigger trigger)
    {
        CheckName(trigger.Name);
        if (trigger.Type != FunctionTrigger.HttpType)
        {
            throw ManagementProblem.BadInput($"expected \"{FunctionTrigger.HttpType}\", the only trigger type, got \"{trigger.Type}\"", "type");
        }

        return FunctionRoute.TryNormalize(trigger.Source, out _, out var problem)
            ? trigger
            : throw ManagementProblem.BadInput($"expected a path like /hello: {problem}, got \"{trigger.Source}\"", "source");
    }

    private static void CheckFields(JsonElement body)
    {
        foreach (var field in body.EnumerateObject().Where(f => !TriggerFields.Contains(f.Name) && !TriggerIgnored.Contains(f.Name)))
        {
            throw ManagementProblem.BadInput($"unknown field; known fields are {string.Join(", ", TriggerFields)}", field.Name);
        }
    }
}
