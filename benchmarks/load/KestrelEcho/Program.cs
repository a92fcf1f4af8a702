// The ceiling of benchmarks/load/run.sh: the same host setup as the agent (slim
// builder, no server header, no logging), echoing the POST body with nothing behind it.
// Usage: Fnagent.KestrelEcho --urls http://127.0.0.1:PORT
using Microsoft.AspNetCore.Http.Features;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

var app = builder.Build();
app.MapPost("/", async (HttpContext context) =>
{
    var response = context.Response;
    response.ContentType = context.Request.ContentType ?? "text/plain";
    if (context.Request.ContentLength is { } length)
    {
        response.ContentLength = length;
    }

    await context.Request.Body.CopyToAsync(response.Body, context.RequestAborted);
});
app.MapGet("/health", () => "ok");
app.Run();
