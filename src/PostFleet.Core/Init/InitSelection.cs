using PostFleet.Core.Configuration;

namespace PostFleet.Core.Init;

/// <summary>Which identities this init covers: all of them, or the ones named with --only, always in config order.</summary>
public static class InitSelection
{
    public static IReadOnlyList<ServiceSpec> Select(FleetSpec fleet, IReadOnlyCollection<string> only, out IReadOnlyList<InitProblem> problems)
    {
        var services = fleet.Disks.SelectMany(d => d.Services.OrderBy(s => s.OrderOnDisk)).ToList();
        var known = services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        problems = [.. only.Where(n => !known.Contains(n)).Select(n => new InitProblem(InitProblemKind.UnknownIdentity, "--only " + n,
            $"no service of that name in the config; known: {string.Join(", ", known)}."))];
        return only.Count == 0 ? services : [.. services.Where(s => only.Contains(s.Name))];
    }
}
