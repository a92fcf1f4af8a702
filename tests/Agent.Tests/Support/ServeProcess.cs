using System.Diagnostics;
using System.Text.RegularExpressions;
using Fnagent.Hosting;

namespace Fnagent.Agent.Tests.Support;

/// <summary>
/// The real <c>fnagent serve</c> (or another verb) as a process of its own, with the
/// arguments, environment and current folder a test gives, its stdout and stderr collected.
/// <see cref="StartAsync"/> waits (bounded) until serve says where it listens or exits;
/// dispose sends SIGTERM and waits, then kills.
/// </summary>
public sealed partial class ServeProcess : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private readonly TaskCompletionSource<Uri?> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServeProcess(Process process) => _process = process;

    /// <summary>Where serve said it listens (its first address); null when it exited first.</summary>
    public Uri? Address { get; private set; }

    public string Output
    {
        get
        {
            lock (_out)
            {
                return _out.ToString();
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_err)
            {
                return _err.ToString();
            }
        }
    }

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The agent's pid (its /proc entry: memory, descriptors).</summary>
    public int Pid => _process.Id;

    public static async Task<ServeProcess> StartAsync(string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(typeof(AgentHost).Assembly.Location);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["FNAGENT_Sandbox__ReadOnlyPaths"] = RunningAgent.TestFunctions; // as RunningAgent
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var serve = new ServeProcess(Process.Start(info)!);
        serve._process.OutputDataReceived += (_, e) => serve.OnOutput(e.Data);
        serve._process.ErrorDataReceived += (_, e) => serve.OnError(e.Data);
        serve._process.EnableRaisingEvents = true;
        serve._process.Exited += (_, _) => serve._listening.TrySetResult(null);
        serve._process.BeginOutputReadLine();
        serve._process.BeginErrorReadLine();
        serve.Address = await serve._listening.Task.WaitAsync(Bound);
        if (serve.Address is null)
        {
            await serve._process.WaitForExitAsync().WaitAsync(Bound);
        }

        return serve;
    }

    /// <summary>Stdout once it contains <paramref name="text"/>, or as it is when the process exited or the bound passed.</summary>
    public async Task<string> WaitForOutputAsync(string text)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!Output.Contains(text, StringComparison.Ordinal) && !_process.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return Output;
    }

    /// <summary>SIGKILL to the agent alone, as a crash would end it: no shutdown runs. Waits (bounded) until it is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync().WaitAsync(Bound);
    }

    /// <summary>Waits for the process to exit by itself (bounded).</summary>
    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(Bound);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await TerminateAsync(_process);
        _process.Dispose();
    }

    /// <summary>Stops an agent as an operator would: SIGTERM, a bounded wait for it to exit, then a kill.</summary>
    public static async Task TerminateAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_out)
        {
            _out.WriteLine(line);
        }

        if (Listening().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
        }
    }

    private void OnError(string? line)
    {
        if (line is not null)
        {
            lock (_err)
            {
                _err.WriteLine(line);
            }
        }
    }

    [GeneratedRegex(@"^fnagent listening on (\S+)")]
    private static partial Regex Listening();
}
