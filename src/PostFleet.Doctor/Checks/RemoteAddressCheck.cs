using System.Net.Sockets;
using PostFleet.Core.Configuration;
using PostFleet.Doctor.Probes.Remote;

namespace PostFleet.Doctor.Checks;

/// <summary>
/// Turns what a probe saw where the services run into findings: each node address as that side dials it, each
/// operator address as that side binds it, and each as the daemon reads it from here. A failure names the config
/// key to change and says which side sees what.
/// </summary>
public static class RemoteAddressCheck
{
    public static IEnumerable<Finding> Evaluate(ProbeResult result, Uri daemonNodeAddress)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(daemonNodeAddress);
        var (site, outcome) = (result.Site, result.Outcome);
        var subject = $"probe at {site.Where}";
        if (outcome.NotRun is { } reason)
        {
            // Without a probe image the address finding already says what to test from there, and why it was not.
            if (!result.Skipped)
            {
                yield return Finding.Warn(CheckNames.Probe, subject, $"could not run: {reason}", "fix that, and doctor checks these addresses from where the services run");
            }

            yield break;
        }

        if (outcome.Problem is { } problem)
        {
            yield return Finding.Warn(CheckNames.Probe, subject, $"the probe ran but {problem}", "see that side's engine or cluster for why the probe is slow to start (image pull, scheduling)");
        }

        var daemon = $"{daemonNodeAddress.Host}:{daemonNodeAddress.Port}";
        foreach (var node in site.Nodes)
        {
            var address = HostPort(node.Address);
            var line = outcome.Lines.FirstOrDefault(l => l.Kind == ProbeLine.Node && l.Address == address);
            if (line is null)
            {
                continue; // the probe never got that far: its problem above says why
            }

            yield return line.Ok
                ? Finding.Ok(CheckNames.Probe, subject, $"the services' node address {address} ({node.Key}) is reached from there: {line.Detail}")
                : Finding.Error(
                    CheckNames.Probe,
                    subject,
                    $"from there the services would dial the node at {address} ({node.Key}) and cannot reach it: {line.Detail}; the daemon, on this machine, dials {daemon} (node.post-listener)",
                    $"set {node.Key} to the node's post listener as {site.Where} reaches it (an address of the node's machine routed from there, where the node's grpc-post-listener listens)");
        }

        var served = new List<string>();
        foreach (var bind in site.Binds)
        {
            var line = outcome.Lines.FirstOrDefault(l => l.Kind == ProbeLine.Serve && l.Address == bind.Bind);
            if (line is null)
            {
                continue;
            }

            if (!line.Ok)
            {
                yield return line.Detail?.Contains(nameof(SocketError.AddressAlreadyInUse), StringComparison.Ordinal) == true
                    ? Finding.Warn(CheckNames.Probe, subject, $"{bind.Service}'s operator address {bind.Bind} ({bind.Key}) is in use there: {line.Detail}", $"if no post-service of this fleet runs there now, free that port or give {bind.Service} another operator port")
                    : Finding.Error(CheckNames.Probe, subject, $"{bind.Service} would bind {bind.Bind} ({bind.Key}) there, which fails: {line.Detail}", $"bind 0.0.0.0:{Port(bind.Bind)} or an address of that host in {bind.Key}");
                continue;
            }

            if (!outcome.Reads.TryGetValue(bind.Bind, out var read))
            {
                continue;
            }

            if (read is null)
            {
                served.Add($"{bind.Bind} at {bind.ReadAt}");
                continue;
            }

            yield return Finding.Error(
                CheckNames.Probe,
                subject,
                $"the daemon reads {bind.Service}'s /status at {bind.ReadAt}; from this machine that does not reach what is bound at {bind.Bind} ({bind.Key}) there: {read}",
                site.Endpoint is not null
                    ? $"give the engine host's address as this machine reaches it (docker.endpoints[].status-host), or open port {Port(bind.Bind)} from this machine to that host"
                    : "check the daemon's account has get on pods/proxy (deploy/kubernetes/rbac.yaml), or with kubernetes.status-via: pod-ip that this machine routes to the pod network");
        }

        if (served.Count > 0)
        {
            var shown = string.Join(", ", served.Take(4)) + (served.Count > 4 ? $" and {served.Count - 4} more" : "");
            yield return Finding.Ok(CheckNames.Probe, subject, $"{served.Count} operator address(es) bound there and read from here as the daemon reads them: {shown}");
        }
    }

    private static string HostPort(string address) =>
        Endpoints.TryParseListener(address, out var uri, out _) ? $"{uri.Host}:{uri.Port}" : address;

    private static string Port(string bind) => bind[(bind.LastIndexOf(':') + 1)..];
}
