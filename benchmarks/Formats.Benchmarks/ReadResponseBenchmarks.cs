using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;

namespace Fnagent.Formats.Benchmarks;

/// <summary>
/// One response through a real <see cref="Pipe"/>: write its bytes, then read it with each
/// format (head, then the body drained into a buffer), against the baseline of reading the same
/// bytes raw. "Split" pipes use small segments, so lines and the json object span segments.
/// </summary>
[MemoryDiagnoser]
public class ReadResponseBenchmarks
{
    private readonly JsonFormat _json = new();
    private readonly HttpFormat _http = new();
    private readonly DefaultFormat _default = new();

    // The request each response answers: the readers look at its method only.
    private readonly FunctionRequest _request = new()
    {
        CallId = "01JCALLIDBENCH0000000000",
        Method = "POST",
        RequestUrl = "http://localhost:8080/r/app/hello",
        Target = "/r/app/hello",
        Deadline = DateTimeOffset.UnixEpoch,
    };

    private Pipe _pipe = null!;
    private byte[] _body = null!;
    private byte[] _jsonBytes = null!;
    private byte[] _httpBytes = null!;
    private byte[] _destination = null!;

    [Params(100, 10 * 1024, 1024 * 1024)]
    public int BodySize { get; set; }

    [Params(false, true)]
    public bool Split { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = Messages.Body(BodySize);
        _jsonBytes = Messages.JsonResponse(_body);
        _httpBytes = Messages.HttpResponse(_body);
        _destination = new byte[BodySize + 1];
        _pipe = new Pipe(new PipeOptions(
            minimumSegmentSize: Split ? Messages.SegmentSize(BodySize) : 4096,
            pauseWriterThreshold: 0,
            useSynchronizationContext: false));
    }

    [Benchmark(Baseline = true)]
    public async Task<int> RawPipe()
    {
        Write(_httpBytes);
        var total = 0;
        while (true)
        {
            var result = await _pipe.Reader.ReadAsync();
            var buffer = result.Buffer;
            foreach (var segment in buffer)
            {
                // The same copy a body reader makes, bounded to the body buffer.
                var take = Math.Min(segment.Length, _destination.Length - (total % _destination.Length));
                segment.Span[..take].CopyTo(_destination.AsSpan(total % _destination.Length));
                total += segment.Length;
            }

            _pipe.Reader.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        Finish();
        return total;
    }

    [Benchmark]
    public Task<int> Json() => ReadAsync(_json, _jsonBytes);

    [Benchmark]
    public Task<int> Http() => ReadAsync(_http, _httpBytes);

    [Benchmark]
    public Task<int> Default() => ReadAsync(_default, _body);

    private async Task<int> ReadAsync(IFunctionFormat format, byte[] bytes)
    {
        Write(bytes);
        var response = await format.ReadResponseAsync(_request, _pipe.Reader, default);
        var total = 0;
        int read;
        while ((read = await response.Body.ReadAsync(_destination.AsMemory(total))) > 0)
        {
            total += read;
        }

        await response.DisposeAsync();
        Finish();
        return total;
    }

    private void Write(byte[] bytes)
    {
        var writer = _pipe.Writer;
        if (Split)
        {
            // Copies segment by segment into the pipe's small segments.
            writer.Write(bytes);
        }
        else
        {
            var memory = writer.GetMemory(bytes.Length);
            bytes.CopyTo(memory);
            writer.Advance(bytes.Length);
        }

        writer.Complete();
    }

    private void Finish()
    {
        _pipe.Reader.Complete();
        _pipe.Reset();
    }
}
