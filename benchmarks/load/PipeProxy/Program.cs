// A reference row of benchmarks/load/run.sh: the least a hot `json` call can cost on this
// machine. Kestrel hands each POST body to one of N long-lived processes as one json line
// on stdin, in the shape of docs/protocols.md §3, and answers with the body of the line
// that comes back. Nothing else: no call ids, records, logs, deadlines, limits, health
// checks of the process or error handling. The agent's hot path does all of that on top.
// Usage: Fnagent.PipeProxy --urls http://127.0.0.1:PORT --processes 4 --dir DIR -- node echo.js
using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Json;
using System.Threading.Channels;

var split = Array.IndexOf(args, "--");
var command = args[(split + 1)..];
var processes = 4;
var directory = ".";
var urls = "http://127.0.0.1:5000";
for (var i = 0; i < split; i++)
{
    switch (args[i])
    {
        case "--urls": urls = args[++i]; break;
        case "--processes": processes = int.Parse(args[++i]); break;
        case "--dir": directory = args[++i]; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

var idle = Channel.CreateUnbounded<Worker>();
for (var i = 0; i < processes; i++)
{
    var start = new ProcessStartInfo(command[0], command[1..])
    {
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        WorkingDirectory = directory,
    };
    var process = Process.Start(start)!;
    idle.Writer.TryWrite(new Worker(process, PipeWriter.Create(process.StandardInput.BaseStream), PipeReader.Create(process.StandardOutput.BaseStream)));
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls(urls);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
var app = builder.Build();
app.MapGet("/health", () => "ok");
app.MapPost("/", async (HttpContext context) =>
{
    using var body = new MemoryStream();
    await context.Request.Body.CopyToAsync(body);
    var worker = await idle.Reader.ReadAsync();
    try
    {
        using (var json = new Utf8JsonWriter(worker.Input))
        {
            json.WriteStartObject();
            json.WriteString("call_id", "01JBENCHMARK00000000000000");
            json.WriteString("deadline", DateTimeOffset.UtcNow.AddSeconds(30));
            json.WriteString("method", "POST");
            json.WriteString("request_url", "http://127.0.0.1/");
            json.WriteStartObject("headers");
            json.WriteStartArray("Content-Type");
            json.WriteStringValue(context.Request.ContentType);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteString("content_type", context.Request.ContentType);
            json.WriteString("body", body.GetBuffer().AsSpan(0, (int)body.Length));
            json.WriteEndObject();
        }

        worker.Input.Write("\n\n"u8);
        await worker.Input.FlushAsync();

        while (true)
        {
            var read = await worker.Output.ReadAsync();
            if (TryTakeLine(read.Buffer, out var line, out var consumed))
            {
                var answer = JsonDocument.Parse(line).RootElement;
                var bytes = System.Text.Encoding.UTF8.GetBytes(answer.GetProperty("body").GetString() ?? "");
                worker.Output.AdvanceTo(consumed);
                context.Response.ContentType = answer.TryGetProperty("content_type", out var type) ? type.GetString() : "text/plain";
                context.Response.ContentLength = bytes.Length;
                await context.Response.Body.WriteAsync(bytes);
                return;
            }

            worker.Output.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }
    finally
    {
        idle.Writer.TryWrite(worker);
    }
});
app.Run();
return 0;

// One json object per line, then a blank line.
static bool TryTakeLine(ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line, out SequencePosition consumed)
{
    var reader = new SequenceReader<byte>(buffer);
    if (reader.TryReadTo(out line, "\n\n"u8))
    {
        consumed = reader.Position;
        return true;
    }

    consumed = default;
    return false;
}

internal sealed record Worker(Process Process, PipeWriter Input, PipeReader Output);
