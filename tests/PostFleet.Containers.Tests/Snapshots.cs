using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostFleet.Containers.Tests;

/// <summary>
/// Compares JSON with a checked-in snapshot under Snapshots/. Keys are sorted and the text indented, so a
/// snapshot changes only when the content does. Set POSTFLEET_UPDATE_SNAPSHOTS=1 to rewrite the files (on a
/// developer's machine only: under CI a rewrite would make every snapshot test pass, so it fails instead).
/// </summary>
internal static class Snapshots
{
    public const string UpdateVariable = "POSTFLEET_UPDATE_SNAPSHOTS";

    public static void AssertMatches(string name, string json, IReadOnlyDictionary<string, string>? replacements = null, [CallerFilePath] string callerFile = "")
    {
        var text = Canonical(JsonNode.Parse(json))!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        foreach (var (from, to) in replacements ?? new Dictionary<string, string>())
        {
            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        var path = Path.Combine(ProjectDirectory(callerFile), "Snapshots", name + ".json");
        if (Environment.GetEnvironmentVariable(UpdateVariable) is "1" or "true")
        {
            Assert.True(
                string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")),
                $"{UpdateVariable} is set under CI ({nameof(Snapshots)} would rewrite {path} and pass); unset it, or rewrite snapshots on a developer machine and check them in");
            File.WriteAllText(path, text);
            return;
        }

        Assert.True(File.Exists(path), $"snapshot {path} is missing; run the tests once with {UpdateVariable}=1 and check it in");
        Assert.Equal(File.ReadAllText(path), text);
    }

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Canonical)]),
        _ => node?.DeepClone(),
    };

    private static string ProjectDirectory(string callerFile)
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(callerFile)!); dir is not null; dir = dir.Parent)
        {
            if (dir.EnumerateFiles("*.csproj").Any())
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("no project folder above " + callerFile);
    }
}
