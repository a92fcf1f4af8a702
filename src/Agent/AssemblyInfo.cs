using System.Runtime.Versioning;

// The agent drives POSIX processes, process groups, cgroups and Unix sockets.
[assembly: SupportedOSPlatform("linux")]
