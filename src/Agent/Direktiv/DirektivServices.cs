using Microsoft.Extensions.DependencyInjection;

namespace Fnagent.Direktiv;

/// <summary>Registers the Direktiv format's parts with the agent's container.</summary>
public static class DirektivServices
{
    public static IServiceCollection AddDirektiv(this IServiceCollection services)
    {
        services.AddSingleton<DirektivSandbox>();
        services.AddSingleton<DirektivCalls>();
        services.AddSingleton<DirektivLogServer>();
        services.AddSingleton<DirektivInstances>();
        services.AddSingleton<DirektivCommandRunner>();
        services.AddSingleton<DirektivRunner>();
        return services;
    }
}
