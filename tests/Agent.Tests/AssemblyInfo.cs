using System.Runtime.Versioning;

// The agent under test is Linux-only (process groups, cgroups, Unix sockets).
[assembly: SupportedOSPlatform("linux")]
