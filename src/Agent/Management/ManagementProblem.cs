namespace Fnagent.Management;

/// <summary>
/// A management request that cannot be done: its HTTP status (400 bad input, 404 unknown
/// id, 409 a name taken or a deploy in progress), what is wrong, and the request's field at
/// fault when one is. The endpoints turn it into the management error shape.
/// </summary>
public sealed class ManagementProblem(int status, string message, string? field = null) : Exception(message)
{
    public int Status { get; } = status;

    public string? Field { get; } = field;

    public static ManagementProblem BadInput(string message, string? field = null) => new(400, message, field);

    public static ManagementProblem NotFound(string message) => new(404, message);

    public static ManagementProblem Conflict(string message, string? field = null) => new(409, message, field);
}
