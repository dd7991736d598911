using System.Runtime.Versioning;

// The tests drive a bash stand-in for postcli and check POSIX file modes: they run where postcli runs.
[assembly: SupportedOSPlatform("linux")]
[assembly: SupportedOSPlatform("macos")]
