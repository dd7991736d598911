using System.Runtime.InteropServices;

namespace PostFleet.Init;

/// <summary>The two libc calls .NET has no managed form for: asking permissions without touching, and SIGINT.</summary>
internal static partial class NativeMethods
{
    public const int SigInt = 2;
    public const int WriteOk = 2;
    public const int ExecuteOk = 1;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Access(string path, int mode);
}
