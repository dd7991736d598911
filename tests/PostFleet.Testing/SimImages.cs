using System.Diagnostics;

namespace PostFleet.Testing;

/// <summary>Images made offline by the scripts in docker/post-service-sim (a few seconds each).</summary>
public static class SimImages
{
    /// <summary>
    /// This build's postfleet as <paramref name="image"/> (build-sim-image.sh --from-build) with the script's extra
    /// <paramref name="options"/>; null, or why it failed.
    /// </summary>
    public static Task<string?> BuildAsync(string image, params string[] options) =>
        RunScriptAsync("build-sim-image.sh", image, [.. options, "--from-build", Path.GetDirectoryName(RepoPaths.PostfleetExecutable)!]);

    /// <summary>Runs docker/post-service-sim/<paramref name="script"/> for <paramref name="image"/>; null, or why it failed.</summary>
    public static async Task<string?> RunScriptAsync(string script, string image, params string[] arguments)
    {
        var path = Path.Combine(RepoPaths.Root, "docker", "post-service-sim", script);
        using var build = Process.Start(new ProcessStartInfo("bash", [path, image, .. arguments])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var error = build.StandardError.ReadToEndAsync();
        await build.StandardOutput.ReadToEndAsync(); // read, so a chatty build never blocks on a full pipe
        await build.WaitForExitAsync();
        return build.ExitCode == 0 ? null : $"building {image} failed (exit {build.ExitCode}): {await error}";
    }
}
