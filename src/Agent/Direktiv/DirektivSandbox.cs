using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Fnagent.Direktiv;

/// <summary>
/// Decides once, at start, how Direktiv instances are isolated, and says so in the log:
/// network namespaces through bubblewrap where it works here (a fresh namespace per
/// instance gives every function its own 127.0.0.1:8080, as a pod would), else the port
/// fallback. Thread-safe: immutable after construction.
/// </summary>
public sealed class DirektivSandbox
{
    private static readonly string[] Folders = ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin"];

    public DirektivSandbox(AgentOptions options, ILogger<DirektivSandbox> logger)
    {
        var wanted = options.Direktiv.Isolation;
        Bwrap = Find("bwrap");
        Socat = Find("socat");
        string? reason = wanted == DirektivIsolation.Port ? "isolation set to Port" : Probe(Bwrap, Socat);
        if (reason is null)
        {
            Isolation = DirektivIsolation.Namespace;
            logger.NamespaceMode(Bwrap!, Socat!);
        }
        else if (wanted == DirektivIsolation.Namespace)
        {
            throw new InvalidOperationException($"Direktiv isolation set to Namespace, but namespaces do not work here: {reason}");
        }
        else
        {
            Isolation = DirektivIsolation.Port;
            logger.PortMode(reason, options.Direktiv.LogPort);
        }
    }

    /// <summary>The mode in force: <see cref="DirektivIsolation.Namespace"/> or <see cref="DirektivIsolation.Port"/>.</summary>
    public DirektivIsolation Isolation { get; }

    /// <summary>Full path of bwrap, or null when not installed.</summary>
    public string? Bwrap { get; }

    /// <summary>Full path of socat, or null when not installed.</summary>
    public string? Socat { get; }

    private static string? Find(string program) =>
        Folders.Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists);

    /// <summary>Null when a network namespace can be made here, else why not.</summary>
    private static string? Probe(string? bwrap, string? socat)
    {
        if (bwrap is null || socat is null)
        {
            return $"{(bwrap is null ? "bwrap" : "socat")} not installed (apt-get install bubblewrap socat)";
        }

        var info = new ProcessStartInfo(bwrap)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var arg in new[] { "--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", "/bin/true" })
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info)!;
            if (!process.WaitForExit(5000))
            {
                process.Kill(entireProcessTree: true);
                return "bwrap did not finish its probe within 5 s";
            }

            return process.ExitCode == 0 ? null : $"bwrap --unshare-net failed: {process.StandardError.ReadToEnd().Trim()}";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"bwrap cannot start: {e.Message}";
        }
    }
}
