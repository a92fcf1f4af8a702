namespace Fnagent.Builds;

/// <summary>Why a function is not built for the call that waits for it.</summary>
/// <param name="Message">What the caller reads: the failed command and its exit code, or the build still running.</param>
/// <param name="StillBuilding">True when the caller's deadline passed while the build ran on; false when the build failed.</param>
public sealed record BuildFailure(string Message, bool StillBuilding);
