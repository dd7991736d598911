using PostFleet.Bench;

namespace PostFleet.Bench.Tests;

/// <summary>The topologies of bench/topologies, found from the test's output folder.</summary>
internal static class Suite
{
    public static readonly Lazy<string> Folder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "bench", "topologies");
            if (File.Exists(Path.Combine(dir.FullName, "PostFleet.slnx")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("bench/topologies not found above the test output folder");
    });

    public static Topology Load(string name) => Topology.Load(Path.Combine(Folder.Value, name + ".yaml"));

    /// <summary>Every topology but the 2,000-identity one (that one has its own, lighter test).</summary>
    public static TheoryData<string> Small => new(Directory.GetFiles(Folder.Value, "*.yaml")
        .Select(Path.GetFileNameWithoutExtension)
        .Where(n => n != "large-2000")
        .Order(StringComparer.Ordinal)!);

    public static Topology Tiny(string yaml) => Topology.Parse(yaml, "tiny");
}
