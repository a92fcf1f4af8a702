using System.Globalization;
using Fnagent.State;
using Microsoft.AspNetCore.Http;

namespace Fnagent.Http;

/// <summary>
/// The query of <c>GET /v1/calls</c>: <c>app</c>, <c>fn</c>, <c>status</c>, <c>since</c> and
/// <c>until</c> (ISO 8601), <c>limit</c> (1 to <see cref="CallQuery.MaxLimit"/>) and
/// <c>cursor</c> (the <c>next_cursor</c> of the page before). A value that does not parse is
/// named in the error, never ignored.
/// </summary>
internal static class CallQueryParser
{
    public static bool TryParse(IQueryCollection query, out CallQuery parsed, out string? problem)
    {
        parsed = new CallQuery();
        problem = null;
        if (query["status"] is { Count: > 0 } statusText && !TryStatus(statusText.ToString(), out _))
        {
            problem = $"status: expected one of queued, running, success, error, timeout, cancelled (got '{statusText}')";
            return false;
        }

        if (query["cursor"] is { Count: > 0 } cursor && !CallId.TryParse(cursor.ToString(), out _))
        {
            problem = $"cursor: not a call id (got '{cursor}')";
            return false;
        }

        if (!TryTime(query, "since", out var since, ref problem) || !TryTime(query, "until", out var until, ref problem))
        {
            return false;
        }

        var limit = 50;
        if (query["limit"] is { Count: > 0 } limitText
            && (!int.TryParse(limitText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > CallQuery.MaxLimit))
        {
            problem = $"limit: expected a number from 1 to {CallQuery.MaxLimit} (got '{limitText}')";
            return false;
        }

        TryStatus(query["status"].ToString(), out var status);
        parsed = new CallQuery
        {
            App = NullIfEmpty(query["app"].ToString()),
            Function = NullIfEmpty(query["fn"].ToString()),
            Status = status,
            Since = since,
            Until = until,
            Limit = limit,
            Cursor = NullIfEmpty(query["cursor"].ToString()),
        };
        return true;
    }

    private static bool TryStatus(string text, out CallStatus? status)
    {
        status = null;
        if (text.Length == 0)
        {
            return true;
        }

        foreach (var value in Enum.GetValues<CallStatus>())
        {
            if (CallRows.StatusName(value) == text)
            {
                status = value;
                return true;
            }
        }

        return false;
    }

    private static bool TryTime(IQueryCollection query, string name, out DateTimeOffset? time, ref string? problem)
    {
        time = null;
        if (query[name] is not { Count: > 0 } text)
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            time = parsed;
            return true;
        }

        problem = $"{name}: expected an ISO 8601 time such as 2026-12-01T10:00:00Z (got '{text}')";
        return false;
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}
