using System.Buffers;
using BenchmarkDotNet.Attributes;

namespace Fnagent.Formats.Benchmarks;

/// <summary>
/// The pure codecs on a buffer that already holds the whole response, whole or split into
/// segments: what a parse costs and allocates without any pipe. The json reader unescapes the
/// body into a pooled buffer; the http head reader and body decoder copy into a caller's buffer.
/// </summary>
[MemoryDiagnoser]
public class CodecParseBenchmarks
{
    private readonly JsonResponseReader _jsonReader = new();
    private readonly HttpResponseHeadReader _headReader = new(FormatLimits.Default);
    private ReadOnlySequence<byte> _json;
    private ReadOnlySequence<byte> _http;
    private byte[] _destination = null!;

    [Params(100, 10 * 1024, 1024 * 1024)]
    public int BodySize { get; set; }

    [Params(false, true)]
    public bool Split { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var body = Messages.Body(BodySize);
        _json = Messages.Sequence(Messages.JsonResponse(body), Split);
        _http = Messages.Sequence(Messages.HttpResponse(body), Split);
        _destination = new byte[BodySize];
    }

    [Benchmark]
    public int JsonParse()
    {
        SequencePosition consumed = _json.Start, examined = _json.Start;
        _jsonReader.TryParseMessage(_json, ref consumed, ref examined, out var message);
        var length = message.Body.Length;
        message.ReleaseBody();
        return length;
    }

    [Benchmark]
    public int HttpParse()
    {
        SequencePosition consumed = _http.Start, examined = _http.Start;
        _headReader.TryParseMessage(_http, ref consumed, ref examined, out var head);
        var decoder = HttpBodyDecoder.ForContentLength(head.ContentLength!.Value);
        var input = _http.Slice(consumed);
        var total = 0;
        while (decoder.Decode(input, out var data, out var framingEnd) == BodyStatus.Data)
        {
            data.CopyTo(_destination.AsSpan(total));
            total += (int)data.Length;
            decoder.Advance(data.Length);
            input = input.Slice(data.End);
        }

        return total;
    }
}
