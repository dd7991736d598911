using System.CommandLine;
using PostFleet.Core.Configuration;

namespace PostFleet.Cli.Commands;

/// <summary>The `-c/--config` option every verb shares, and loading it with every error reported.</summary>
internal static class ConfigOption
{
    public static Option<FileInfo> Create() => new("--config", "-c")
    {
        Description = "The fleet configuration (YAML)",
        DefaultValueFactory = _ => new FileInfo("postfleet.yaml"),
    };

    /// <summary>Loads and validates; prints each error as FILE: PATH: MESSAGE and returns null when invalid.</summary>
    public static FleetSpec? Load(FileInfo file)
    {
        if (!file.Exists)
        {
            Console.Error.WriteLine($"{file.FullName}: no such file (give the fleet configuration with -c FILE)");
            return null;
        }

        var result = FleetConfigLoader.LoadFile(file.FullName);
        foreach (var error in result.Errors)
        {
            Console.Error.WriteLine($"{file.FullName}: {error}");
        }

        return result.IsValid ? result.Spec : null;
    }
}
