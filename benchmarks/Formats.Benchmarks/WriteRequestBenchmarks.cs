using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;

namespace Fnagent.Formats.Benchmarks;

/// <summary>
/// One request written by each format into a real <see cref="Pipe"/> and drained, against the
/// baseline of writing the body's bytes raw.
/// </summary>
[MemoryDiagnoser]
public class WriteRequestBenchmarks
{
    private readonly JsonFormat _json = new();
    private readonly HttpFormat _http = new();
    private readonly DefaultFormat _default = new();
    private Pipe _pipe = null!;
    private byte[] _body = null!;
    private MemoryStream _bodyStream = null!;
    private FunctionRequest _request = null!;
    private FunctionRequest _requestWithLength = null!;

    [Params(100, 10 * 1024, 1024 * 1024)]
    public int BodySize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = Messages.Body(BodySize);
        _bodyStream = new MemoryStream(_body, writable: false);
        var headers = new FunctionHeaders();
        headers.Add("Content-Type", "text/plain");
        headers.Add("User-Agent", "bench/1.0");
        headers.Add("Accept", "*/*");
        _requestWithLength = new FunctionRequest
        {
            CallId = "01JCALLIDBENCH0000000000",
            Method = "POST",
            RequestUrl = "http://localhost:8080/r/app/hello?q=1",
            Target = "/r/app/hello?q=1",
            Deadline = DateTimeOffset.UtcNow.AddMinutes(1),
            Headers = headers,
            ContentLength = BodySize,
            Body = _bodyStream,
        };
        _request = _requestWithLength;
        _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    }

    [Benchmark(Baseline = true)]
    public async Task<long> RawPipe()
    {
        _pipe.Writer.Write(_body);
        await _pipe.Writer.FlushAsync();
        return await DrainAsync(complete: true);
    }

    [Benchmark]
    public async Task<long> Json()
    {
        _bodyStream.Position = 0;
        await _json.WriteRequestAsync(_request, _pipe.Writer, default);
        return await DrainAsync(complete: true);
    }

    [Benchmark]
    public async Task<long> Http()
    {
        _bodyStream.Position = 0;
        await _http.WriteRequestAsync(_requestWithLength, _pipe.Writer, default);
        return await DrainAsync(complete: true);
    }

    [Benchmark]
    public async Task<long> Default()
    {
        _bodyStream.Position = 0;
        await _default.WriteRequestAsync(_request, _pipe.Writer, default);
        return await DrainAsync(complete: false);
    }

    private async Task<long> DrainAsync(bool complete)
    {
        if (complete)
        {
            _pipe.Writer.Complete();
        }

        long total = 0;
        while (true)
        {
            var result = await _pipe.Reader.ReadAsync();
            total += result.Buffer.Length;
            _pipe.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        _pipe.Reader.Complete();
        _pipe.Reset();
        return total;
    }
}
