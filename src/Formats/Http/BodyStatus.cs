namespace Fnagent.Formats;

/// <summary>What <see cref="HttpBodyDecoder.Decode"/> found.</summary>
public enum BodyStatus
{
    /// <summary>Body bytes are available.</summary>
    Data,

    /// <summary>More input is needed.</summary>
    NeedMore,

    /// <summary>The body has ended; nothing after it was consumed.</summary>
    Done,
}
