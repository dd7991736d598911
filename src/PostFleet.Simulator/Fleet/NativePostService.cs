namespace PostFleet.Simulator.Fleet;

/// <summary>
/// The natively compiled simulated post-service (<c>postfleet-sim post-service</c>, src/PostFleet.SimPost, built by
/// scripts/build-sim-aot.sh when clang and zlib1g-dev are there): the same program as <c>postfleet sim post-service</c>
/// at a fraction of the memory and start-up CPU. Where it was not built, simulated fleets run the JIT one.
/// </summary>
public static class NativePostService
{
    public const string ExecutableName = "postfleet-sim";

    /// <summary><c>jit</c> runs <c>postfleet sim post-service</c> even where the native build exists; a path names the native executable.</summary>
    public const string Variable = "POSTFLEET_SIM_POST_SERVICE";

    /// <summary>
    /// The native executable for the <c>postfleet</c> at <paramref name="postfleetExecutable"/>: beside it (a copied or
    /// packaged build), or in the source tree's artifacts/sim-aot when it is artifacts/bin/PostFleet.Cli/CONFIG/postfleet;
    /// null when there is none (or <see cref="Variable"/> says <c>jit</c>).
    /// </summary>
    public static string? Find(string postfleetExecutable)
    {
        var chosen = Environment.GetEnvironmentVariable(Variable);
        if (JitChosen)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(chosen))
        {
            return File.Exists(chosen) ? Path.GetFullPath(chosen) : null;
        }

        var folder = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(postfleetExecutable))!);
        var beside = Path.Combine(folder.FullName, ExecutableName);
        if (File.Exists(beside))
        {
            return beside;
        }

        return folder.Parent is { Name: "PostFleet.Cli", Parent: { Name: "bin", Parent: { } artifacts } }
            && File.Exists(Path.Combine(artifacts.FullName, "sim-aot", ExecutableName))
            ? Path.Combine(artifacts.FullName, "sim-aot", ExecutableName)
            : null;
    }

    /// <summary>The one line a tool prints about which post-service its simulated fleet runs.</summary>
    public static string Describe(string? native) => native is not null
        ? $"simulated post-services: native build {native}"
        : JitChosen
            ? $"simulated post-services: JIT `postfleet sim post-service` ({Variable}=jit)"
            : "simulated post-services: JIT `postfleet sim post-service` (no native build: scripts/build-sim-aot.sh makes one where clang and zlib1g-dev are installed)";

    private static bool JitChosen => string.Equals(Environment.GetEnvironmentVariable(Variable), "jit", StringComparison.OrdinalIgnoreCase);
}
