namespace PostFleet.Testing;

/// <summary>Where the repository and the built `postfleet` executable are, from any test's output folder.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    /// <summary>The apphost of PostFleet.Cli in the artifacts folder, built before any test project.</summary>
    public static string PostfleetExecutable
    {
        get
        {
            foreach (var configuration in new[] { "debug", "release" })
            {
                var candidate = Path.Combine(Root, "artifacts", "bin", "PostFleet.Cli", configuration, "postfleet");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException("postfleet executable not built under artifacts/bin/PostFleet.Cli; run `dotnet build` first");
        }
    }

    public static string SharedDocs => Path.Combine(Root, "..", "shared");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PostFleet.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("could not find PostFleet.slnx above " + AppContext.BaseDirectory);
    }
}
