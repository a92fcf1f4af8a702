using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Fnagent.Hosting;

/// <summary>
/// Turns the exceptions a bad setting causes (a value that fails <see cref="AgentOptionsValidator"/>,
/// one the binder cannot convert, a settings file that is not JSON) into the one line an
/// operator needs: which setting, and what is wrong with it. Anything else is no settings problem.
/// </summary>
public static partial class SettingsProblem
{
    /// <summary>The message for <paramref name="exception"/>, or null when it is not about settings.</summary>
    public static string? Describe(Exception exception, IConfiguration? configuration)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case State.CallDatabaseException database:
                    return database.Message;
                case OptionsValidationException invalid:
                    return string.Join(Environment.NewLine, invalid.Failures);
                case AggregateException { InnerExceptions: var inner } when inner.OfType<OptionsValidationException>().Any():
                    return string.Join(Environment.NewLine, inner.OfType<OptionsValidationException>().SelectMany(v => v.Failures));
                case InvalidOperationException when BinderFailure().Match(e.Message) is { Success: true } match:
                    var key = match.Groups["key"].Value;
                    var type = match.Groups["type"].Value;
                    return $"setting {key}: not a valid {type[(type.LastIndexOf('.') + 1)..]} (got '{configuration?[key]}')";
                case InvalidDataException when e.Message.Contains(AgentConfiguration.FileName, StringComparison.Ordinal):
                    var cause = e;
                    while (cause.InnerException is not null)
                    {
                        cause = cause.InnerException;
                    }

                    return cause == e ? e.Message : $"{e.Message} {cause.Message}";
            }
        }

        return null;
    }

    // Microsoft.Extensions.Configuration.Binder's message for a value it cannot convert;
    // the key is the only place it names the setting.
    [GeneratedRegex(@"configuration value (?:'[^']*' )?at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex BinderFailure();
}
