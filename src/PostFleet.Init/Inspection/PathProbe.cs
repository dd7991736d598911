namespace PostFleet.Init.Inspection;

/// <summary>Permission questions answered by access(2), so checking never creates or changes a file.</summary>
public static class PathProbe
{
    /// <summary>The path itself if it exists, else its closest existing parent: where a mkdir -p would start.</summary>
    public static string? NearestExisting(string path)
    {
        for (var current = Path.GetFullPath(path); !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            if (Directory.Exists(current) || File.Exists(current))
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>Whether this process could create <paramref name="directory"/> (if missing) and write files in it.</summary>
    public static bool CanWriteInto(string directory, out string checkedPath)
    {
        checkedPath = NearestExisting(directory) ?? directory;
        return Directory.Exists(checkedPath) && NativeMethods.Access(checkedPath, NativeMethods.WriteOk | NativeMethods.ExecuteOk) == 0;
    }

    public static bool IsExecutable(string file) => NativeMethods.Access(file, NativeMethods.ExecuteOk) == 0;

    /// <summary>A bare program name is looked up in PATH like a shell would; anything with a slash is taken as is.</summary>
    public static string ResolveExecutable(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return Path.GetFullPath(program);
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return program;
    }
}
