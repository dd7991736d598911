using System.Diagnostics;

namespace PostFleet.Testing;

/// <summary>Images of this build's postfleet made offline by docker/post-service-sim/build-sim-image.sh --from-build (a few seconds).</summary>
public static class SimImages
{
    /// <summary>Builds <paramref name="image"/> with the script's extra <paramref name="options"/>; null, or why it failed.</summary>
    public static async Task<string?> BuildAsync(string image, params string[] options)
    {
        var script = Path.Combine(RepoPaths.Root, "docker", "post-service-sim", "build-sim-image.sh");
        var build = Process.Start(new ProcessStartInfo("bash", [script, image, .. options, "--from-build", Path.GetDirectoryName(RepoPaths.PostfleetExecutable)!])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var error = build.StandardError.ReadToEndAsync();
        await build.StandardOutput.ReadToEndAsync();
        await build.WaitForExitAsync();
        return build.ExitCode == 0 ? null : $"building {image} failed (exit {build.ExitCode}): {await error}";
    }
}
