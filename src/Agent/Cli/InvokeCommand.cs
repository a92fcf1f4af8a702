using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Fnagent.Cli;

/// <summary>
/// <c>fnagent invoke APP FN [--content-type T] [--detached]</c>: calls a deployed function by
/// id (<c>POST /invoke/{fn_id}</c>) with stdin as the body; the response body goes to stdout.
/// </summary>
internal static class InvokeCommand
{
    /// <summary>A call may run as long as the function's own timeout allows; this bounds the wait for its answer.</summary>
    private static readonly TimeSpan CallBound = TimeSpan.FromMinutes(10);

    public static Command Create()
    {
        var app = AppsCommand.AppArgument();
        var fnName = FnsCommand.FnArgument();
        var contentType = new Option<string?>("--content-type") { Description = "Content-Type of the body read from stdin" };
        var detached = new Option<bool>("--detached") { Description = "Queue the call and print its id instead of waiting for the answer" };
        var command = new Command("invoke", "Call a deployed function; stdin is the body, the response goes to stdout") { app, fnName, contentType, detached };
        ManagementClient.SetAction(command, async (result, client, cancellationToken) =>
        {
            var (_, fn) = await client.FnAsync(result.GetValue(app)!, result.GetValue(fnName)!, cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Post, $"invoke/{Uri.EscapeDataString(fn.Id)}")
            {
                Content = Console.IsInputRedirected ? new StreamContent(Console.OpenStandardInput()) : new ByteArrayContent([]),
            };
            if (result.GetValue(contentType) is { Length: > 0 } type)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            }

            if (result.GetValue(detached))
            {
                request.Headers.Add("Fn-Invoke-Type", "detached");
            }

            using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new CommandFailure(await ManagementClient.ErrorMessageAsync(response, cancellationToken));
            }

            if (result.GetValue(detached))
            {
                var call = await response.Content.ReadFromJsonAsync(ManagementJsonContext.Default.DetachedCall, cancellationToken);
                Console.Out.WriteLine(call?.CallId);
                return 0;
            }

            await using var stdout = Console.OpenStandardOutput();
            await response.Content.CopyToAsync(stdout, cancellationToken);
            return 0;
        }, CallBound);
        return command;
    }
}
