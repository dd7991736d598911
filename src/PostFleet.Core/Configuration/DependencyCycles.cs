namespace PostFleet.Core.Configuration;

/// <summary>Finds cycles in the <c>after</c> graph and spells each out once, e.g. <c>a -> b -> c -> a</c>.</summary>
internal static class DependencyCycles
{
    /// <returns>For each distinct cycle: the config path of its first service's <c>after</c>, and the names along it.</returns>
    public static IEnumerable<(string Path, IReadOnlyList<string> Cycle)> Find(IReadOnlyList<ServiceEntry> services)
    {
        var byName = services.Where(s => s.Name is not null).GroupBy(s => s.Name!).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var state = new Dictionary<string, Mark>(StringComparer.Ordinal);
        var stack = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<(string, IReadOnlyList<string>)>();

        void Visit(string name)
        {
            state[name] = Mark.OnStack;
            stack.Add(name);
            foreach (var (dependency, _) in byName[name].After)
            {
                if (!byName.ContainsKey(dependency) || dependency == name)
                {
                    continue; // unknown or self: reported as their own errors
                }

                if (!state.TryGetValue(dependency, out var s))
                {
                    Visit(dependency);
                }
                else if (s == Mark.OnStack)
                {
                    var cycle = stack.Skip(stack.IndexOf(dependency)).ToList();
                    if (seen.Add(Canonical(cycle)))
                    {
                        found.Add(($"{byName[cycle[0]].Path}.after", [.. cycle, cycle[0]]));
                    }
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[name] = Mark.Done;
        }

        foreach (var name in byName.Keys)
        {
            if (!state.ContainsKey(name))
            {
                Visit(name);
            }
        }

        return found;
    }

    /// <summary>The same cycle found from another entry point is the same cycle.</summary>
    private static string Canonical(List<string> cycle)
    {
        var start = cycle.IndexOf(cycle.Min(StringComparer.Ordinal)!);
        return string.Join('\n', cycle.Skip(start).Concat(cycle.Take(start)));
    }

    private enum Mark
    {
        OnStack,
        Done,
    }
}
