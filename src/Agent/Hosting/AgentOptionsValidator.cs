using System.Globalization;
using Fnagent.Direktiv;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Serilog.Events;

namespace Fnagent.Hosting;

/// <summary>
/// Checks every setting of <see cref="AgentOptions"/> before the agent serves, so a bad value
/// stops the start with its name (<c>setting Limits:MaxRequestBodyBytes: must be greater than
/// 0 (got -5)</c>) instead of failing a call later. Sizes and counts must be positive; time
/// spans must be positive, except those where zero is documented as "none" (the hold-back,
/// the queue wait, the shutdown grace, the output drain, Direktiv's late log lines), which
/// may be zero; no span may pass <see cref="LongestSpan"/> (timers refuse longer ones).
/// </summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    /// <summary>The longest time span any setting may have.</summary>
    public static readonly TimeSpan LongestSpan = TimeSpan.FromDays(24);

    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var failures = new List<string>();
        void Fail(string setting, string problem) => failures.Add($"setting {setting}: {problem}");

        NotEmpty(nameof(options.FunctionsDirectory), options.FunctionsDirectory, Fail);
        NotEmpty(nameof(options.DataDirectory), options.DataDirectory, Fail);
        NotEmpty(nameof(options.FunctionPath), options.FunctionPath, Fail);
        CheckUrls(options.Urls, Fail);
        CheckAllowedHosts(options.AllowedHosts, Fail);
        if (options.AdminToken is { } adminToken && !Http.AdminAuth.IsUsableToken(adminToken))
        {
            // Never the value: it is a secret, and this line goes to the console and the log.
            Fail(nameof(options.AdminToken), $"must be at least {Http.AdminAuth.MinimumTokenLength} printable ASCII characters without spaces (the value is not shown)");
        }

        try
        {
            // Resolved here, once: an unknown user fails the start, not a call.
            _ = options.User;
        }
        catch (InvalidOperationException e)
        {
            Fail(nameof(options.RunAs), e.Message);
        }

        if (!Enum.IsDefined(options.Log.Level))
        {
            Fail("Log:Level", $"must be one of {string.Join(", ", Enum.GetNames<LogEventLevel>())} (got {options.Log.Level})");
        }

        if (options.Log.File is { Length: > 0 } file && Directory.Exists(file))
        {
            Fail("Log:File", $"is a folder, not a file (got {file})");
        }

        var limits = options.Limits;
        Positive("Limits:MaxRequestBodyBytes", limits.MaxRequestBodyBytes, Fail);
        Positive("Limits:MaxResponseBytes", limits.MaxResponseBytes, Fail);
        Positive("Limits:MaxLogBytesPerCall", limits.MaxLogBytesPerCall, Fail);
        Positive("Limits:CallRetention", limits.CallRetention, Fail);
        Positive("Limits:MaxUnwrittenRecords", limits.MaxUnwrittenRecords, Fail);
        Positive("Limits:MaxAsyncBodyBytes", limits.MaxAsyncBodyBytes, Fail);
        Positive("Limits:MaxAsyncOutputBytes", limits.MaxAsyncOutputBytes, Fail);
        Positive("Limits:MaxQueuedAsyncCalls", limits.MaxQueuedAsyncCalls, Fail);
        Positive("Limits:MaxCodeArchiveBytes", limits.MaxCodeArchiveBytes, Fail);
        Positive("Limits:MaxCodeBytes", limits.MaxCodeBytes, Fail);
        Positive("Limits:MaxCodeFiles", limits.MaxCodeFiles, Fail);
        Positive("Limits:Pids", limits.Pids, Fail);
        Positive("Limits:MaxBlobBytes", limits.MaxBlobBytes, Fail);
        Positive("Limits:TmpSizeMb", limits.TmpSizeMb, Fail);
        Positive("Limits:OpenFiles", limits.OpenFiles, Fail);
        if (limits.MaxAsyncBodyBytes > int.MaxValue || limits.MaxAsyncOutputBytes > int.MaxValue)
        {
            Fail(limits.MaxAsyncBodyBytes > int.MaxValue ? "Limits:MaxAsyncBodyBytes" : "Limits:MaxAsyncOutputBytes",
                $"must be at most {int.MaxValue} bytes: it is kept whole in the call database");
        }

        Span("Limits:CallRetentionAge", limits.CallRetentionAge, zeroAllowed: false, Fail);
        Span("Limits:CallRetentionInterval", limits.CallRetentionInterval, zeroAllowed: false, Fail);
        if (!Enum.IsDefined(options.CallStore))
        {
            Fail(nameof(options.CallStore), $"must be one of {string.Join(", ", Enum.GetNames<CallStoreKind>())} (got {options.CallStore})");
        }
        if (limits.QueueWait is { } queueWait)
        {
            Span("Limits:QueueWait", queueWait, zeroAllowed: true, Fail);
        }

        Span("Limits:StartTimeout", limits.StartTimeout, zeroAllowed: false, Fail);
        Span("Limits:QuietAfterAnswer", limits.QuietAfterAnswer, zeroAllowed: true, Fail);
        Span("Limits:BuildTimeout", limits.BuildTimeout, zeroAllowed: false, Fail);
        Span("Limits:OutputDrainAfterExit", limits.OutputDrainAfterExit, zeroAllowed: true, Fail);
        Span("Limits:ShutdownGrace", limits.ShutdownGrace, zeroAllowed: true, Fail);

        if (!Enum.IsDefined(options.Sandbox.Mode))
        {
            Fail("Sandbox:Mode", $"must be one of {string.Join(", ", Enum.GetNames<Processes.SandboxMode>())} (got {options.Sandbox.Mode})");
        }

        NotEmpty("Sandbox:Bwrap", options.Sandbox.Bwrap, Fail);
        foreach (var (setting, paths) in new[] { ("Sandbox:ReadOnlyPaths", options.Sandbox.ReadOnlyPaths), ("Sandbox:WritablePaths", options.Sandbox.WritablePaths) })
        {
            foreach (var path in (paths ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!Path.IsPathRooted(path))
                {
                    Fail(setting, $"must hold absolute paths separated by ':' (got {path})");
                }
            }
        }

        var callbacks = options.Callbacks;
        Span("Callbacks:FirstRetryDelay", callbacks.FirstRetryDelay, zeroAllowed: false, Fail);
        Span("Callbacks:MaxRetryDelay", callbacks.MaxRetryDelay, zeroAllowed: false, Fail);
        Span("Callbacks:GiveUpAfter", callbacks.GiveUpAfter, zeroAllowed: true, Fail);
        Span("Callbacks:AttemptTimeout", callbacks.AttemptTimeout, zeroAllowed: false, Fail);
        Positive("Callbacks:MaxConcurrentAttempts", callbacks.MaxConcurrentAttempts, Fail);

        var direktiv = options.Direktiv;
        if (!Enum.IsDefined(direktiv.Isolation))
        {
            Fail("Direktiv:Isolation", $"must be one of {string.Join(", ", Enum.GetNames<DirektivIsolation>())} (got {direktiv.Isolation})");
        }

        Span("Direktiv:StartTimeout", direktiv.StartTimeout, zeroAllowed: false, Fail);
        Span("Direktiv:CancelTimeout", direktiv.CancelTimeout, zeroAllowed: false, Fail);
        Span("Direktiv:LateLogGrace", direktiv.LateLogGrace, zeroAllowed: true, Fail);
        Positive("Direktiv:MaxLogRequestBytes", direktiv.MaxLogRequestBytes, Fail);
        Positive("Direktiv:MaxCommandInputBytes", direktiv.MaxCommandInputBytes, Fail);
        Positive("Direktiv:MaxLateLogCalls", direktiv.MaxLateLogCalls, Fail);
        if (direktiv.LogPort is < 1 or > 65535)
        {
            Fail("Direktiv:LogPort", $"must be a port from 1 to 65535 (got {direktiv.LogPort})");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void NotEmpty(string setting, string? value, Action<string, string> fail)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            fail(setting, "must not be empty");
        }
    }

    private static void Positive(string setting, long value, Action<string, string> fail)
    {
        if (value <= 0)
        {
            fail(setting, string.Create(CultureInfo.InvariantCulture, $"must be greater than 0 (got {value})"));
        }
    }

    private static void Span(string setting, TimeSpan value, bool zeroAllowed, Action<string, string> fail)
    {
        if (value < TimeSpan.Zero || (!zeroAllowed && value == TimeSpan.Zero))
        {
            fail(setting, zeroAllowed ? $"must not be negative (got {value:c}); 0 turns it off" : $"must be greater than 0 (got {value:c})");
        }
        else if (value > LongestSpan)
        {
            fail(setting, $"must be at most {LongestSpan:c} (got {value:c})");
        }
    }

    private static void CheckUrls(string? urls, Action<string, string> fail)
    {
        var entries = (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Length == 0)
        {
            fail(nameof(AgentOptions.Urls), "must name at least one address, e.g. http://127.0.0.1:8080");
        }

        foreach (var url in entries)
        {
            try
            {
                var address = BindingAddress.Parse(url);
                if (address.Scheme is not ("http" or "https"))
                {
                    fail(nameof(AgentOptions.Urls), $"'{url}' is not an http:// or https:// address");
                }
            }
            catch (FormatException e)
            {
                fail(nameof(AgentOptions.Urls), $"'{url}' is not an address to listen on: {e.Message}");
            }
        }
    }

    private static void CheckAllowedHosts(string? allowedHosts, Action<string, string> fail)
    {
        // The separators Http.LoopbackHostFilter splits on.
        foreach (var host in (allowedHosts ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (host != "*" && Uri.CheckHostName(host) == UriHostNameType.Unknown)
            {
                fail(nameof(AgentOptions.AllowedHosts), $"'{host}' is not a host name or address (no scheme, no port; * for any)");
            }
        }
    }
}
