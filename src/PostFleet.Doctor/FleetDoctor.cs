using PostFleet.Core.Configuration;
using PostFleet.Core.Init;
using PostFleet.Core.Model;
using PostFleet.Doctor.Checks;
using PostFleet.Doctor.Probes;
using PostFleet.Doctor.Probes.Remote;
using PostFleet.Init.Inspection;
using PostFleet.Spacemesh.Node;
using PostFleet.Spacemesh.Operator;

namespace PostFleet.Doctor;

/// <summary>Runs every probe for a fleet and turns what it saw into findings, in a fixed order.</summary>
public static class FleetDoctor
{
    public static async Task<DoctorReport> RunAsync(FleetSpec spec, TimeProvider? time = null, IFreeSpaceProbe? freeSpace = null, RemoteProbeOptions? probes = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        freeSpace ??= new DriveFreeSpaceProbe();
        var findings = new List<Finding>();

        // The node checks run per node (its listeners, smeshing, key folder and identities, clock); the rest once.
        var services = spec.Services.ToList();
        var perNode = await Task.WhenAll(spec.Nodes.Select(n => NodeFindingsAsync(spec, n, time, cancellationToken))).ConfigureAwait(false);
        findings.AddRange(perNode.SelectMany(n => n.Findings));
        var carried = perNode.Any(n => n.Carried is not null) ? perNode.SelectMany(n => n.Carried ?? []).ToList() : null;

        findings.Add(BinaryCheck.Evaluate(await LocalProbes.BinaryAsync("post-service", "post.service-binary", spec.Post.ServiceBinary, askVersion: true, cancellationToken).ConfigureAwait(false)));
        findings.Add(BinaryCheck.Evaluate(await LocalProbes.BinaryAsync("postcli", "post.postcli-binary", spec.Post.PostcliBinary, askVersion: false, cancellationToken).ConfigureAwait(false)));

        // An operator port is this machine's only for services in its network namespace; the others bind on their host.
        var placements = services.ToDictionary(s => s.Name, s => ServicePlacement.Of(spec, s), StringComparer.Ordinal);

        // The services' side of each address, checked from there by a short-lived probe container or pod.
        var probed = await RemoteAddressProbes.RunAsync(spec, probes ?? RemoteProbeOptions.Default, time, cancellationToken).ConfigureAwait(false);
        var unprobed = probed.Where(p => p.Outcome.NotRun is not null).SelectMany(p => p.Site.Disks.Select(d => (d, p.Outcome.NotRun!))).ToDictionary(p => p.d, p => p.Item2, StringComparer.Ordinal);
        findings.AddRange(AddressCheck.Evaluate(spec, placements, unprobed));
        findings.AddRange(probed.SelectMany(p => RemoteAddressCheck.Evaluate(p, spec.Node.PostListener)));
        using (var status = new OperatorStatusClient())
        {
            var ports = await Task.WhenAll(services.Where(s => placements[s.Name].SameNetwork).Select(s => LocalProbes.OperatorPortAsync(s.Name, s.OperatorAddress, status, cancellationToken))).ConfigureAwait(false);
            findings.AddRange(ports.Select(OperatorPortCheck.Evaluate));
        }

        var volumes = new Dictionary<string, (ulong Free, ulong Needed, List<string> Users)>(StringComparer.Ordinal);
        void Count(string path, string user, ulong needed)
        {
            if (freeSpace.Probe(path) is not { } volume)
            {
                return;
            }

            var entry = volumes.TryGetValue(volume.VolumeId, out var seen) ? seen : (volume.AvailableBytes, 0UL, new List<string>());
            entry.Item3.Add(user);
            volumes[volume.VolumeId] = (entry.Item1, entry.Item2 + needed, entry.Item3);
        }

        foreach (var service in services)
        {
            var (data, error) = LocalProbes.Data(service.DataDir);
            var carriedId = carried?.FirstOrDefault(c => c.Name == service.Name)?.Id.Hex;
            findings.AddRange(DataDirCheck.Evaluate(service, spec.Post, data, error, carriedId));
            Count(service.DataDir, service.Name, DataDirCheck.Missing(service, spec.Post, data));
        }

        Count(spec.StateDirectory, "state-dir", 0);
        findings.AddRange(volumes.Select(v => FreeSpaceCheck.Evaluate(new VolumeObservation(v.Key, v.Value.Free, v.Value.Needed, v.Value.Users))));

        findings.AddRange(perNode.Select(n => n.Clock));
        return new DoctorReport(findings);
    }

    /// <summary>One node's findings; with several nodes each subject says which node it is about.</summary>
    private static async Task<(List<Finding> Findings, IReadOnlyList<IdentityState>? Carried, Finding Clock)> NodeFindingsAsync(FleetSpec spec, NodeSpec nodeSpec, TimeProvider time, CancellationToken cancellationToken)
    {
        var findings = new List<Finding>();
        using var node = new NodeProbe(nodeSpec);
        var listeners = await Task.WhenAll(
            node.ListenerAsync(NodeListener.Post, cancellationToken),
            node.ListenerAsync(NodeListener.Public, cancellationToken),
            node.ListenerAsync(NodeListener.Private, cancellationToken)).ConfigureAwait(false);
        findings.AddRange(listeners.Select(ListenerCheck.Evaluate));

        var smeshing = node.SmeshingAsync(cancellationToken);
        var states = node.PostStatesAsync(cancellationToken);
        var clock = node.ClockAsync(time, cancellationToken);
        findings.AddRange(SmeshingCheck.Evaluate(await smeshing.ConfigureAwait(false)));

        var (carried, _) = await states.ConfigureAwait(false);
        var keys = NodeIdentitiesInspector.Observe(NodeIdentitiesInspector.IdentitiesDirectory(nodeSpec.DataDir));
        findings.AddRange(IdentitiesCheck.Evaluate(keys, carried, [.. spec.ServicesOf(nodeSpec).Select(s => s.Name)]));
        var clockFinding = ClockCheck.Evaluate(await clock.ConfigureAwait(false));
        if (!spec.HasSeveralNodes)
        {
            return (findings, carried, clockFinding);
        }

        Finding Named(Finding f) => f with { Subject = $"node {nodeSpec.Name}: {f.Subject}" };
        return ([.. findings.Select(Named)], carried, Named(clockFinding));
    }
}
