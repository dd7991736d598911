namespace PostFleet.Doctor.Discovery;

/// <summary>
/// The nodes `postfleet discover` asks, from its flags: one <c>--node URL</c> (named "node"), or several
/// <c>--node NAME=URL</c> with one <c>--public</c> and one <c>--private</c> each, paired in order, and
/// <c>--node-data-dir</c> once per node or not at all.
/// </summary>
public static class DiscoveryNodes
{
    public const string DefaultPublic = "http://127.0.0.1:9092";
    public const string DefaultPrivate = "http://127.0.0.1:9093";

    /// <returns>The nodes, or an error naming the flag and what would be right.</returns>
    public static (IReadOnlyList<DiscoveryNode> Nodes, string? Error) Parse(
        IReadOnlyList<string> nodes, IReadOnlyList<string> publics, IReadOnlyList<string> privates, IReadOnlyList<string> dataDirs)
    {
        if (nodes.Count == 0)
        {
            return ([], "--node: give the node's post listener, e.g. --node http://127.0.0.1:9094");
        }

        var several = nodes.Count > 1;
        if (PairingProblem("--public", publics.Count, nodes.Count, optionalForOne: true) is { } publicProblem)
        {
            return ([], publicProblem);
        }

        if (PairingProblem("--private", privates.Count, nodes.Count, optionalForOne: true) is { } privateProblem)
        {
            return ([], privateProblem);
        }

        if (dataDirs.Count != 0 && PairingProblem("--node-data-dir", dataDirs.Count, nodes.Count, optionalForOne: false) is { } dataDirProblem)
        {
            return ([], dataDirProblem);
        }

        var result = new List<DiscoveryNode>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var (name, url) = Split(nodes[i]);
            if (several && name is null)
            {
                return ([], $"--node {nodes[i]}: with several nodes give each as NAME=URL, e.g. --node node-a=http://127.0.0.1:9094 (the name goes into nodes:)");
            }

            name ??= Core.Configuration.ConfigDefaults.NodeName;
            if (result.Any(n => n.Name == name))
            {
                return ([], $"--node {nodes[i]}: the name {name} is given twice; each node needs its own name");
            }

            try
            {
                result.Add(new DiscoveryNode(
                    name,
                    Listener(url),
                    Listener(publics.Count > 0 ? publics[i] : DefaultPublic),
                    Listener(privates.Count > 0 ? privates[i] : DefaultPrivate),
                    dataDirs.Count > 0 ? Path.GetFullPath(dataDirs[i]) : null));
            }
            catch (UriFormatException ex)
            {
                return ([], $"node {name}: {ex.Message}");
            }
        }

        return (result, null);
    }

    /// <summary>An address with or without a scheme (http:// is assumed).</summary>
    public static Uri Listener(string value) =>
        new(value.Contains("://", StringComparison.Ordinal) ? value : "http://" + value);

    private static string? PairingProblem(string flag, int given, int nodes, bool optionalForOne) =>
        given == nodes || (nodes == 1 && optionalForOne && given == 0)
            ? null
            : $"{flag}: give it once per --node, in the same order ({nodes} --node, {given} {flag})";

    // NAME=URL; a URL alone has no '=' before its scheme or host.
    private static (string? Name, string Url) Split(string value)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        return equals > 0 && (scheme < 0 || equals < scheme) ? (value[..equals], value[(equals + 1)..]) : (null, value);
    }
}
