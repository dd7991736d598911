namespace PostFleet.Core.Configuration;

/// <summary>
/// Rules across disks and services: unique disk names, service names, data folders and operator ports; <c>after</c>
/// naming known services; no dependency cycles. Each error points at the later of two clashing entries and names
/// the earlier one, so the user sees both places.
/// </summary>
internal static class TopologyRules
{
    public static void Check(IReadOnlyList<DiskEntry> disks, ErrorSink errors)
    {
        Unique(disks.Where(d => d.Name is not null), d => d.Name!, d => $"{d.Path}.name", StringComparer.Ordinal, errors,
            (value, first) => $"disk name '{value}' is already used by {first}; give every disk its own name");

        var services = disks.SelectMany(d => d.Services).ToList();
        Unique(services.Where(s => s.Name is not null), s => s.Name!, s => $"{s.Path}.name", StringComparer.Ordinal, errors,
            (value, first) => $"service name '{value}' is already used by {first}; a name is the identity's key file, so each must be unique");
        Unique(services.Where(s => s.DataDir is not null), s => s.DataDir!, s => $"{s.Path}.dir", StringComparer.Ordinal, errors,
            (value, first) => $"data folder {value} is already used by {first}; every identity needs its own PoST data folder");
        Unique(services.Where(s => s.Operator is not null), s => s.Operator!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), s => $"{s.Path}.operator", StringComparer.Ordinal, errors,
            (value, first) => $"operator port {value} is already used by {first}; each post-service must listen on its own port (the second one would run without /status)");

        var known = services.Where(s => s.Name is not null).Select(s => s.Name!).ToHashSet(StringComparer.Ordinal);
        foreach (var service in services)
        {
            foreach (var (dependency, path) in service.After)
            {
                if (dependency == service.Name)
                {
                    errors.Add(path, $"'{dependency}' is the service itself; remove it (after lists services that must deliver first)");
                }
                else if (!known.Contains(dependency))
                {
                    var nearest = YamlMap.Nearest(dependency, known);
                    errors.Add(path, $"'{dependency}' is not a service in this file" + (nearest is null ? "; use one of the services' names" : $"; did you mean '{nearest}'?"));
                }
            }
        }

        foreach (var (path, cycle) in DependencyCycles.Find(services))
        {
            errors.Add(path, $"dependency cycle: {string.Join(" -> ", cycle)}; no service in it could ever start, remove one of these after entries");
        }
    }

    private static void Unique<T>(
        IEnumerable<T> items,
        Func<T, string> key,
        Func<T, string> path,
        IEqualityComparer<string> comparer,
        ErrorSink errors,
        Func<string, string, string> message)
    {
        var first = new Dictionary<string, string>(comparer);
        foreach (var item in items)
        {
            var value = key(item);
            if (first.TryGetValue(value, out var firstPath))
            {
                errors.Add(path(item), message(value, firstPath));
            }
            else
            {
                first[value] = path(item);
            }
        }
    }
}
