using System.Collections.Concurrent;
using Fnagent.Formats;
using Fnagent.Functions;
using Fnagent.Invocation;
using Fnagent.Pool;
using Fnagent.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fnagent.Cli;

/// <summary>
/// Calls a function cold, on this machine, with the agent's own code: a fresh process per
/// call, with the exact environment the agent gives it. A <c>default</c> function goes
/// through the agent's <see cref="ColdRunner"/>. A <c>json</c> or <c>http</c> function
/// is started, given one request in its own format, and its answer read; its retirement
/// (end of input, then a kill after a grace period) happens after the clock stops and is
/// awaited by <see cref="DisposeAsync"/>. So a call costs what it would if the agent kept
/// nothing hot: process start, runtime start-up, the function's own work.
/// </summary>
/// <remarks>
/// Why not ask the agent to run it cold: that would need an endpoint or header that lets
/// any caller force a process start per call, which is attack surface for a measuring
/// tool. Running it here needs the func.yml on this machine, which is where bench is
/// meant to run (next to the agent), and adds no HTTP hop, so the ratio it shows is, if
/// anything, kind to cold.
/// </remarks>
internal sealed class ColdCaller : IAsyncDisposable
{
    private readonly FunctionDefinition _function;
    private readonly AgentOptions _options;
    private readonly byte[] _body;
    private readonly string _method;
    private readonly string _contentType;
    private readonly ColdRunner _cold;
    private readonly IFunctionFormat? _format;
    private readonly string _logDirectory = Directory.CreateTempSubdirectory("fnagent-bench-").FullName;
    private readonly ConcurrentBag<Task> _retiring = [];

    /// <param name="options">The agent's settings as <c>serve</c> reads them (<see cref="Hosting.AgentConfiguration"/>), so the cold run has the limits and user the agent would give it.</param>
    public ColdCaller(FunctionDefinition function, AgentOptions options, byte[] body, string method, string contentType)
    {
        _function = function;
        _options = options;
        _body = body;
        _method = method;
        _contentType = contentType;
        var codecs = new FormatCodecs(_options);
        _cold = new ColdRunner(_options, codecs, TimeProvider.System);
        _format = FunctionFormats.Of(function.Format).Runner == FormatRunner.Hot ? codecs.For(function.Format) : null;
    }

    /// <summary>Whether this function's format can be run cold here: it has a codec of the agent's own.</summary>
    public static bool Supports(FunctionFormat format) => FunctionFormats.Of(format).NewCodec is not null;

    public async Task<bool> CallAsync(CancellationToken cancellationToken)
    {
        var request = NewRequest();
        if (_format is null)
        {
            var record = new CallRecord
            {
                CallId = request.CallId, App = _function.App, Function = _function.Name, Route = _function.Route, StartedAt = DateTimeOffset.UtcNow,
            };
            using var log = new CallLog(_logDirectory, request.CallId, _options.Limits.MaxLogBytesPerCall);
            var response = new DiscardingResponse();
            var error = await _cold.RunAsync(new Call(_function, request, record, log, NullLogger.Instance), response, cancellationToken).ConfigureAwait(false);
            return error is null;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_function.Timeout);
        var process = await HotProcess.StartAsync(_function, _options, NullLogger.Instance, DateTimeOffset.UtcNow, null, deadline.Token).ConfigureAwait(false);
        try
        {
            await using (deadline.Token.Register(process.Kill).ConfigureAwait(false))
            {
                var write = _format.WriteRequestAsync(request, process.Output, deadline.Token).AsTask();
                var answer = await _format.ReadResponseAsync(request, process.Input, deadline.Token).ConfigureAwait(false);
                await using (answer.ConfigureAwait(false))
                {
                    await answer.Body.CopyToAsync(Stream.Null, deadline.Token).ConfigureAwait(false);
                }

                await write.ConfigureAwait(false);
                return answer is { Kind: ResponseKind.Answer, StatusCode: >= 200 and < 300 };
            }
        }
        finally
        {
            _retiring.Add(process.RetireAsync(TimeSpan.FromSeconds(1)).AsTask());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_retiring).ConfigureAwait(false);
        try
        {
            Directory.Delete(_logDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private FunctionRequest NewRequest()
    {
        var now = DateTimeOffset.UtcNow;
        var headers = new FunctionHeaders();
        headers.Add("Content-Type", _contentType);
        headers.Add("Content-Length", _body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var target = "/r/" + _function.App + _function.Route;
        return new FunctionRequest
        {
            CallId = CallId.New(now),
            Method = _method,
            RequestUrl = "http://127.0.0.1" + target,
            Target = target,
            Deadline = now + _function.Timeout,
            Headers = headers,
            ContentLength = _body.Length,
            Body = new MemoryStream(_body, writable: false),
        };
    }

    /// <summary>Takes the function's answer and throws it away: only its cost matters here.</summary>
    private sealed class DiscardingResponse : ICallResponse
    {
        public bool HasStarted { get; private set; }

        public Stream Body => Stream.Null;

        public ValueTask StartAsync(FunctionResponse head, CancellationToken cancellationToken)
        {
            HasStarted = true;
            return ValueTask.CompletedTask;
        }

        public ValueTask WriteErrorAsync(FunctionError error, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public void Abort()
        {
        }
    }
}
