namespace PostFleet.Core.Configuration;

/// <summary>Every path in a config is relative to the config file's folder, so a setup can be moved as a whole.</summary>
internal sealed class PathResolver(string configDirectory)
{
    public string Resolve(string path)
    {
        var expanded = path.StartsWith("~/", StringComparison.Ordinal)
            ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path;
        return System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(expanded, configDirectory));
    }

    /// <summary>A bare program name (<c>post-service</c>) stays as it is and is looked up on PATH when run.</summary>
    public string ResolveBinary(string path) =>
        path.Contains('/', StringComparison.Ordinal) || path.Contains('\\', StringComparison.Ordinal) ? Resolve(path) : path;
}
