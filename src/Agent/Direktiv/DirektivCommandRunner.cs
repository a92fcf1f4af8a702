using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Invocation;
using CliWrap;
using Fnagent.Processes;

namespace Fnagent.Direktiv;

/// <summary>
/// Direktiv's generic command server (<c>/usr/share/direktiv/direktiv-cmd</c>), built in
/// (docs/protocols.md §8): per call, the input's files are written into a fresh private
/// directory, which is each command's working directory and HOME; each command is split
/// into words like a shell would and run without one, with the function's environment plus
/// its own <c>envs</c>; stdout and stderr are captured merged. The answer is one
/// <c>{"Error","Output"}</c> per command run. Unlike Direktiv's, commands obey the call's
/// deadline (the running one is killed with its process group) and nothing of the agent's
/// environment is expanded into them. The log lines are Direktiv's own.
/// Thread-safe: every call has its own directory and processes.
/// </summary>
public sealed class DirektivCommandRunner(AgentOptions options)
{
    /// <summary>The error code Direktiv's command server reports.</summary>
    public const string ExecutionErrorCode = "io.direktiv.error.execution";

    // Runs the program with stderr joined to stdout, so the merged output keeps the order
    // the program wrote it in (Direktiv hands both to one writer). The words arrive as
    // "$@": this shell interprets none of them.
    private const string MergeOutput = "exec 2>&1; exec \"$@\"";

    // Go's encoding/json nests at most this deep; json.Valid says "not JSON" past it.
    private const int MaxOutputDepth = 10_000;

    // The answer's array and object hold each output: two levels more.
    private static readonly JsonWriterOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = MaxOutputDepth + 2 };

    public async Task<FunctionError?> RunAsync(Call call, ICallResponse response, CallStop stop)
    {
        byte[]? json;
        try
        {
            json = await BoundedRead.ReadAllAsync(call.Request.Body, options.Direktiv.MaxCommandInputBytes, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsStopped)
        {
            return stop.Error("reading the input");
        }
        catch (RequestTooLargeException)
        {
            json = null;
        }

        if (json is null)
        {
            return new FunctionError(FunctionErrorKind.RequestTooLarge, $"request body too large for the command runner (limit {options.Direktiv.MaxCommandInputBytes} bytes)");
        }

        if (!DirektivCommandInput.TryParse(json, out var input))
        {
            return Failed("failed to unmarshal request payload");
        }

        var directory = Directory.CreateTempSubdirectory("fnagent-dkcmd-").FullName;
        try
        {
            foreach (var file in input.Files)
            {
                if (WriteFile(directory, file) is { } problem)
                {
                    return Failed($"failed to prepare file: {problem}");
                }
            }

            // Written while the directory is still the agent's alone, then given to the user
            // the commands run as: no process of that user can have planted a link in it.
            if (options.User is { } user && !GiveTo(user, directory, input.Files))
            {
                return Failed($"failed to prepare file: cannot give the call's directory to user {user}");
            }

            var results = new List<(string Error, string Output)>();
            call.Log.Append($"running {input.Commands.Count} commands");
            for (var i = 0; i < input.Commands.Count; i++)
            {
                var command = input.Commands[i];
                call.Log.Append(command.SuppressCommand ? $"running command {i}" : $"running command '{command.Text}'");
                var (output, error) = await RunOneAsync(call, command, directory, stop.Token).ConfigureAwait(false);
                if (!command.SuppressOutput)
                {
                    foreach (var line in output.TrimEnd('\n').Split('\n').Where(_ => output.Length > 0))
                    {
                        call.Log.Append(line);
                    }
                }

                results.Add((error, output));
                if (error.Length > 0)
                {
                    call.Log.Append(error);
                    if (command.Stop)
                    {
                        call.Log.Append($"stopping execution due to error in command {i}");
                        return Failed($"handler function error: stopped because command {i} failed");
                    }
                }
            }

            var body = Serialize(results);
            await response.StartAsync(new FunctionResponse { ContentType = "application/json", ContentLength = body.Length + 1 }, stop.Token).ConfigureAwait(false);
            await response.Body.WriteAsync(body, stop.Token).ConfigureAwait(false);
            await response.Body.WriteAsync("\n"u8.ToArray(), stop.Token).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (stop.IsStopped)
        {
            return stop.Error("running commands");
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A command may have made something we cannot remove; the temp sweep gets it.
            }
        }
    }

    /// <summary>
    /// The answer: one <c>{"Error","Output"}</c> per command. As in Direktiv's cmd server
    /// (<c>json.Valid</c> on the output, then embedded as <c>json.RawMessage</c>), an output that
    /// is exactly one JSON value, whitespace around it allowed, is embedded as that value; any
    /// other output is a string. A flow reads <c>echo 444</c> as the number 444: a string here
    /// broke the flows that read a number or an object from it.
    /// </summary>
    private static byte[] Serialize(List<(string Error, string Output)> results)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Json))
        {
            writer.WriteStartArray();
            foreach (var (error, output) in results)
            {
                writer.WriteStartObject();
                writer.WriteString("Error", error);
                writer.WritePropertyName("Output");
                if (ParseJson(output) is { } document)
                {
                    using (document)
                    {
                        // Compact, as Go writes a RawMessage.
                        document.RootElement.WriteTo(writer);
                    }
                }
                else
                {
                    writer.WriteStringValue(output);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The output as one JSON value (RFC 8259: no comments, no trailing commas), or null when it is not.</summary>
    private static JsonDocument? ParseJson(string output)
    {
        // Most output is text: what cannot start a JSON value is not parsed at all.
        var start = output.AsSpan().TrimStart(" \t\r\n");
        if (start.IsEmpty || start[0] is not ('{' or '[' or '"' or '-' or (>= '0' and <= '9') or 't' or 'f' or 'n'))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(output, new JsonDocumentOptions { MaxDepth = MaxOutputDepth });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static FunctionError Failed(string message) => new(FunctionErrorKind.FunctionFailed, message) { Code = ExecutionErrorCode };

    /// <summary>Runs one command to its end: its merged output and Go's wording of its failure ("" when it succeeded).</summary>
    private async Task<(string Output, string Error)> RunOneAsync(Call call, DirektivCommandInput.Command command, string directory, CancellationToken stop)
    {
        if (!ShellWords.TrySplit(command.Text, out var words, out var splitError))
        {
            return ("", $"invalid command line string: {splitError}");
        }

        if (words.Count == 0)
        {
            return ("", "no binary provided");
        }

        // HOME is the call's directory, where its files are (Direktiv's contract); in the
        // sandbox TMPDIR is its /tmp, of bounded size.
        var sandbox = FunctionLaunch.Sandboxed(call.Function, options, directory, [directory]);
        var env = FunctionLaunch.Environment(call.Function, options.FunctionPath, directory);
        if (sandbox is not null)
        {
            env["TMPDIR"] = FunctionLaunch.SandboxHome;
        }

        foreach (var (name, value) in command.Envs)
        {
            env[name] = value;
        }

        string program;
        try
        {
            program = ExecutableLookup.Resolve(words[0], directory, env.GetValueOrDefault("PATH"));
        }
        catch (ProcessStartException)
        {
            return ("", words[0].Contains('/')
                ? $"fork/exec {words[0]}: {(File.Exists(Path.Combine(directory, words[0])) ? "permission denied" : "no such file or directory")}"
                : $"exec: \"{words[0]}\": executable file not found in $PATH");
        }

        var spec = new ProcessSpec
        {
            // The shell sets the open-files limit itself, before the program exists: CliWrap's
            // start can pass no fds for the sandbox's handshake (see PosixSpawn.Handshake.cs).
            Command = ["/bin/sh", "-c", $"ulimit -n {options.Limits.OpenFiles}; {MergeOutput}", "sh", program, .. words.Skip(1)],
            Environment = env,
            WorkingDirectory = directory,
            Limits = FunctionLaunch.LimitsOf(call.Function, options),
            Sandbox = sandbox,
            User = options.User,
        };

        // What the wrappers (setpriv, the shell) say before the program runs comes on stderr;
        // the program's own output is all on stdout, kept up to the response limit and drained past it.
        var output = new CappedOutput(options.Limits.MaxResponseBytes);
        var code = await CollectedCommand.RunAsync(spec, output, new LineTarget(line => call.OnOutputLine(0, line)), stop,
            started: pid => call.Record.Pid = pid).ConfigureAwait(false);
        return (output.Text, code == 0 ? "" : $"exit status {code}");
    }

    /// <summary>Everything a command writes, kept up to a limit and drained past it. One reader.</summary>
    private sealed class CappedOutput(long limit) : PipeTarget
    {
        private readonly MemoryStream _kept = new();

        public string Text => Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length);

        public override async Task CopyFromAsync(Stream origin, CancellationToken cancellationToken = default)
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await origin.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                _kept.Write(chunk, 0, (int)Math.Min(read, Math.Max(0, limit - _kept.Length)));
            }
        }
    }

    /// <summary>Gives the call's directory and the files written into it to <paramref name="user"/>.</summary>
    private static bool GiveTo(FunctionUser user, string directory, IEnumerable<DirektivCommandInput.File> files) =>
        files.All(file => user.Own(Path.Combine(directory, file.Name))) && user.Own(directory);

    /// <summary>Writes a file of the input into the call's directory, or says why not.</summary>
    private static string? WriteFile(string directory, DirektivCommandInput.File file)
    {
        // Departure from Direktiv: a name may not leave the call's directory.
        var path = Path.GetFullPath(Path.Combine(directory, file.Name));
        if (file.Name.Length == 0 || !path.StartsWith(directory + "/", StringComparison.Ordinal))
        {
            return $"'{file.Name}' is not a name inside the call's directory";
        }

        try
        {
            System.IO.File.WriteAllText(path, file.Content);

            // As Direktiv does: the mode is exactly the given permission (0 when none is given).
            System.IO.File.SetUnixFileMode(path, (UnixFileMode)(file.Permission & 0xFFF));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }
}
