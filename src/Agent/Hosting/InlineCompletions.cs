using Fnagent.Processes;

namespace Fnagent.Hosting;

/// <summary>
/// Socket and pipe completions run on the runtime's epoll threads instead of being handed
/// to the thread pool (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>, read once when
/// the first socket is made). A hot call's answer then travels from the function's stdout
/// to the caller's socket without a thread-pool hop. The price: such a
/// continuation must not block for long, and must never wait synchronously for a socket
/// (the epoll thread it holds may be the one that would complete it). A function's log
/// lines, whose sinks might block, never pass through them: the log pipes have a thread
/// of their own (see LinePump).
/// </summary>
public static class InlineCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Turns them on unless the operator set the variable; call before any socket exists.
    /// Builds get the operator's environment without it (see <see cref="OperatorEnvironment"/>).
    /// </summary>
    public static void Enable() => OperatorEnvironment.SetUnlessGiven(Variable, "1");
}
