using PostFleet.Core.Configuration;
using PostFleet.Core.Init;

namespace PostFleet.Init.Inspection;

/// <summary>The machine-level checks before any work: postcli runnable, every folder we will write to writable.</summary>
public static class EnvironmentChecks
{
    public static IEnumerable<InitProblem> Postcli(string configured)
    {
        var path = PathProbe.ResolveExecutable(configured);
        if (!File.Exists(path))
        {
            yield return new(InitProblemKind.PostcliMissing, "post.postcli-binary",
                $"'{configured}' does not exist; set it to the postcli executable from the spacemeshos/post releases (or `postfleet sim postcli` for a trial).");
        }
        else if (!PathProbe.IsExecutable(path))
        {
            yield return new(InitProblemKind.PostcliNotExecutable, "post.postcli-binary",
                $"'{path}' is not executable; run `chmod +x {path}`.");
        }
    }

    public static IEnumerable<InitProblem> Writable(IEnumerable<ServiceSpec> services, string identitiesDir, string logDir)
    {
        foreach (var service in services)
        {
            if (!PathProbe.CanWriteInto(service.DataDir, out var checkedPath))
            {
                yield return new(InitProblemKind.NotWritable, service.DataDir,
                    $"'{service.Name}' data folder cannot be written ({checkedPath} is not writable by this user); fix its owner or permissions.");
            }
        }

        if (!PathProbe.CanWriteInto(identitiesDir, out var identitiesChecked))
        {
            yield return new(InitProblemKind.NotWritable, identitiesDir,
                $"the node's identities folder cannot be written ({identitiesChecked} is not writable by this user); run init as the node's user.");
        }

        if (!PathProbe.CanWriteInto(logDir, out var logChecked))
        {
            yield return new(InitProblemKind.NotWritable, logDir, $"postfleet's state folder for postcli logs is not writable ({logChecked}).");
        }
    }
}
