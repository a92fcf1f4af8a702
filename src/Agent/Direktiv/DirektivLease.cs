namespace Fnagent.Direktiv;

/// <summary>One call's place among those in flight to an instance; dispose once, when the call is over.</summary>
public sealed class DirektivLease(DirektivSlot slot, DirektivInstance instance) : IDisposable
{
    private int _released;

    public DirektivInstance Instance { get; } = instance;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            slot.Release();
        }
    }
}
