using PostFleet.Core.Configuration;

namespace PostFleet.Doctor.Checks;

/// <summary>
/// Every disk's addresses as each side uses them: where its services run, the node address they dial, and where the
/// daemon reads their /status. The daemon's own side (node.post-listener) is the listener check; a service that runs
/// in another network namespace dials its node address from there, which this machine cannot try for it, so the
/// finding says which address to test from that host.
/// </summary>
public static class AddressCheck
{
    /// <param name="unprobed">Disk → why no probe checked it from where its services run; a disk not listed was probed there (or needs no probe).</param>
    public static IEnumerable<Finding> Evaluate(FleetSpec spec, IReadOnlyDictionary<string, ServicePlacement> placements, IReadOnlyDictionary<string, string>? unprobed = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(placements);
        foreach (var disk in spec.Disks)
        {
            var first = placements[disk.Services[0].Name];
            var reads = string.Join(", ", disk.Services.Select(s => placements[s.Name].StatusAddress).Distinct(StringComparer.Ordinal));
            var node = $"{first.NodeAddress.Host}:{first.NodeAddress.Port}";
            var subject = $"disk {disk.Name} ({first.Where})";
            var message = $"services dial the node at {node}; the daemon reads their /status at {reads}";
            yield return Finding.Ok(
                CheckNames.Addresses,
                subject,
                first.SameNetwork || (unprobed is not null && !unprobed.ContainsKey(disk.Name))
                    ? message
                    : message + $" (the node address is dialled from there, not from here: check on that host that {node} reaches the node" +
                        (unprobed?.GetValueOrDefault(disk.Name) is { } why ? $"; doctor did not check it from there: {why})" : ")"));
        }
    }
}
