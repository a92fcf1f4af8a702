using Fnagent.Api;
using Fnagent.State.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Fnagent.Http;

/// <summary>
/// The content store over HTTP (docs/protocols.md §9): <c>POST /v1/blobs</c> stores the body
/// and answers its CID, <c>GET</c>/<c>HEAD /v1/blobs/{cid}</c> stream it back (ETag: the
/// CID), <c>DELETE</c> removes it (the admin's). Storing and reading are open like calls
/// (<see cref="AdminAuth"/>); bodies are streamed both ways.
/// </summary>
internal static class BlobEndpoints
{
    public static void MapBlobs(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/blobs", async (HttpContext context, BlobStore blobs) =>
        {
            // The store counts the limit on the decoded body, as the call path does
            // (CallEndpoints): Kestrel's own count would fail the read and reset the
            // connection before the caller could read its 413.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = null;
            }

            if (context.Request.ContentLength > blobs.MaxBytes)
            {
                return TooLarge(blobs.MaxBytes);
            }

            try
            {
                var cid = await blobs.PutAsync(context.Request.Body, context.RequestAborted).ConfigureAwait(false);
                context.Response.Headers.Location = $"/v1/blobs/{cid.Text}";
                return Results.Json(new BlobStored(cid.Text), ApiJsonContext.Answers.BlobStored, statusCode: StatusCodes.Status201Created);
            }
            catch (BlobTooLargeException e)
            {
                return TooLarge(e.MaxBytes);
            }
        })
            .WithSummary("Stores the body; answers its CID (CIDv1, raw, sha2-256, base32)")
            .Produces<BlobStored>(StatusCodes.Status201Created).Produces<ErrorAnswer>(StatusCodes.Status413PayloadTooLarge);

        endpoints.MapMethods("/v1/blobs/{cid}", [HttpMethods.Get, HttpMethods.Head], async (string cid, HttpContext context, BlobStore blobs) =>
        {
            if (Cid.TryParse(cid, out var problem) is not { } name)
            {
                return Error(StatusCodes.Status400BadRequest, $"'{cid}' is not a CID: {problem}");
            }

            FileStream? file;
            try
            {
                file = await blobs.OpenAsync(name, context.RequestAborted).ConfigureAwait(false);
            }
            catch (BlobCorruptException e)
            {
                return Error(StatusCodes.Status500InternalServerError, e.Message);
            }

            return file is null
                ? Error(StatusCodes.Status404NotFound, $"no blob {name}")
                : Results.Stream(file, "application/octet-stream", entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{name}\""), enableRangeProcessing: false);
        })
            .WithSummary("The blob's bytes, checked against its CID before the first is sent")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces<ErrorAnswer>(StatusCodes.Status400BadRequest).Produces<ErrorAnswer>(StatusCodes.Status404NotFound).Produces<ErrorAnswer>(StatusCodes.Status500InternalServerError);

        endpoints.MapDelete("/v1/blobs/{cid}", (string cid, BlobStore blobs) =>
            Cid.TryParse(cid, out var problem) is not { } name ? Error(StatusCodes.Status400BadRequest, $"'{cid}' is not a CID: {problem}")
            : blobs.Delete(name) ? Results.NoContent() : Error(StatusCodes.Status404NotFound, $"no blob {name}"))
            .WithSummary("Removes a blob (admin)").Produces(StatusCodes.Status204NoContent).Produces<ErrorAnswer>(StatusCodes.Status404NotFound);
    }

    private static IResult TooLarge(long maxBytes) =>
        Error(StatusCodes.Status413PayloadTooLarge, $"the blob is over the limit of {maxBytes} bytes (Limits:MaxBlobBytes)");

    private static IResult Error(int status, string message) =>
        Results.Json(new ErrorAnswer(new ErrorDetail(message)), ApiJsonContext.Answers.ErrorAnswer, statusCode: status);
}
