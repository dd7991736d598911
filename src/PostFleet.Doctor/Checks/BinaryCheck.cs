namespace PostFleet.Doctor.Checks;

/// <summary>One configured program: where it resolved to, and what `--version` printed (post-service only).</summary>
public sealed record BinaryObservation(string Program, string ConfigKey, string Configured, string Resolved, bool Exists, bool Executable, string? Version = null, string? VersionError = null);

/// <summary>post-service is needed to prove (error when unusable); postcli only to initialise (warn).</summary>
public static class BinaryCheck
{
    public static Finding Evaluate(BinaryObservation seen)
    {
        var needed = seen.Program == "post-service";
        var subject = $"{seen.Program} ({seen.ConfigKey})";
        if (!seen.Exists)
        {
            var message = $"'{seen.Configured}' not found{(seen.Configured.Contains('/', StringComparison.Ordinal) ? "" : " on PATH")}"
                + (needed ? "" : "; only `postfleet init` needs it");
            var fix = $"install {seen.Program} from the spacemeshos/{(needed ? "post-rs" : "post")} releases and set {seen.ConfigKey} to it";
            return needed ? Finding.Error(CheckNames.Binaries, subject, message, fix) : Finding.Warn(CheckNames.Binaries, subject, message, fix);
        }

        if (!seen.Executable)
        {
            var message = $"'{seen.Resolved}' is not executable";
            var fix = $"chmod +x {seen.Resolved}";
            return needed ? Finding.Error(CheckNames.Binaries, subject, message, fix) : Finding.Warn(CheckNames.Binaries, subject, message, fix);
        }

        if (!needed)
        {
            // postcli has no version flag (post-service.md §5); presence is all that can be checked without a run.
            return Finding.Ok(CheckNames.Binaries, subject, $"{seen.Resolved} present (postcli reports no version)");
        }

        return seen.Version is { Length: > 0 }
            ? Finding.Ok(CheckNames.Binaries, subject, $"{seen.Resolved}: {seen.Version}")
            : Finding.Warn(CheckNames.Binaries, subject, $"{seen.Resolved} present, but `--version` failed: {seen.VersionError}", "run it by hand with --version; it may be another program or miss a library");
    }
}
