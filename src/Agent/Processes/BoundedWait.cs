namespace Fnagent.Processes;

/// <summary>Waits that give up after a bound instead of throwing.</summary>
internal static class BoundedWait
{
    /// <summary>The task's result when it succeeds within <paramref name="limit"/>, else <paramref name="fallback"/>. Never throws.</summary>
    public static async Task<T> ResultOrAsync<T>(this Task<T> task, TimeSpan limit, T fallback)
    {
        var wait = task.WaitAsync(limit);
        await ((Task)wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return wait.IsCompletedSuccessfully ? await wait.ConfigureAwait(false) : fallback;
    }
}
