using System.Collections.Immutable;

namespace PostFleet.Core.Configuration;

/// <summary>
/// One problem in a config file. <see cref="Path"/> names the key the way a user finds it in the file
/// (<c>disks[1].services[0].dir</c>; empty for whole-file problems such as a YAML syntax error);
/// <see cref="Message"/> says what is wrong and what would be right.
/// </summary>
public sealed record ConfigError(string Path, string Message)
{
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}

/// <summary>
/// The outcome of loading a config: either a validated <see cref="Spec"/> and no errors, or every error found
/// (never only the first) and no spec.
/// </summary>
public sealed record ConfigLoadResult(FleetSpec? Spec, ImmutableArray<ConfigError> Errors)
{
    public bool IsValid => Spec is not null && Errors.IsEmpty;

    public static ConfigLoadResult Failed(params ConfigError[] errors) => new(null, [.. errors]);
}
