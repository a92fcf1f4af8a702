using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fnagent.Agent.Tests.Support;

/// <summary>
/// A callback receiver for Sonr functions' outputs: a real Kestrel on 127.0.0.1 and a free
/// port that keeps every POST it got and answers each with the status <see cref="Answer"/>
/// gives for it (by its number, from 1). Lives in the test, so it outlives an agent's restart.
/// </summary>
public sealed class CallbackListener : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<Delivery> _deliveries = [];

    private CallbackListener(WebApplication app) => _app = app;

    /// <summary>The status to answer the n-th POST with (200 unless set).</summary>
    public Func<int, int> Answer { get; set; } = _ => 200;

    public Uri Url { get; private set; } = null!;

    /// <summary>Every POST so far, in order, with the status it was answered.</summary>
    public IReadOnlyList<Delivery> Deliveries
    {
        get
        {
            lock (_deliveries)
            {
                return [.. _deliveries];
            }
        }
    }

    /// <summary>The POSTs answered 2xx: the deliveries that count.</summary>
    public IReadOnlyList<Delivery> Accepted => [.. Deliveries.Where(d => d.Status is >= 200 and < 300)];

    public static async Task<CallbackListener> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var listener = new CallbackListener(app);
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            int status;
            lock (listener._deliveries)
            {
                status = listener.Answer(listener._deliveries.Count + 1);
                listener._deliveries.Add(new Delivery(context.Request.Path, status,
                    context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
            }

            context.Response.StatusCode = status;
            if (status is >= 300 and < 400)
            {
                context.Response.Headers.Location = "/redirected";
            }
        });
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        listener.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/done");
        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await _app.DisposeAsync();
    }

    /// <summary>One POST: its path, the status it was answered, its headers and body.</summary>
    public sealed record Delivery(string Path, int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body);
}
