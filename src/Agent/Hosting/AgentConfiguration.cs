using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Fnagent.Hosting;

/// <summary>
/// Where the agent's settings (<see cref="AgentOptions"/>) come from, one way for
/// <c>serve</c> and for the CLI's cold runs. Sources in rising precedence: the defaults of
/// <see cref="AgentOptions"/> (and those the caller gives), <c>appsettings.json</c> beside
/// the binary, <c>appsettings.json</c> in the current folder, <c>FNAGENT_</c> environment
/// variables (<c>__</c> separates levels: <c>FNAGENT_Limits__MaxLogBytesPerCall</c>), then
/// the caller's overrides (the flags of <c>serve</c>).
/// </summary>
public static class AgentConfiguration
{
    public const string EnvironmentPrefix = "FNAGENT_";

    public const string FileName = "appsettings.json";

    /// <summary>Reads every source once; a settings file that is not valid JSON throws here.</summary>
    public static IConfigurationRoot Build(
        IEnumerable<KeyValuePair<string, string?>>? defaults = null,
        IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var builder = new ConfigurationBuilder();
        if (defaults is not null)
        {
            builder.AddInMemoryCollection(defaults);
        }

        var besideBinary = Path.Combine(AppContext.BaseDirectory, FileName);
        var inCurrentFolder = Path.GetFullPath(FileName);
        builder.AddJsonFile(besideBinary, optional: true, reloadOnChange: false);
        if (inCurrentFolder != Path.GetFullPath(besideBinary))
        {
            builder.AddJsonFile(inCurrentFolder, optional: true, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides);
        }

        return builder.Build();
    }

    /// <summary>
    /// <see cref="AgentOptions"/> bound from <paramref name="configuration"/>, checked by
    /// <see cref="AgentOptionsValidator"/> when first resolved and again when the host starts;
    /// resolvable as <see cref="IOptions{TOptions}"/> and as <see cref="AgentOptions"/> itself.
    /// </summary>
    public static OptionsBuilder<AgentOptions> AddAgentOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value);
        return services.AddOptions<AgentOptions>().Bind(configuration).ValidateOnStart();
    }

    /// <summary>Binds and checks the settings outside a host (the CLI's cold runs); throws as a host's start would.</summary>
    public static AgentOptions Load(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddAgentOptions(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<AgentOptions>();
    }
}
