namespace PostFleet.Core.Model;

/// <summary>
/// Reads a post-service's log tail (post-service.md §2: env_logger on stderr) for the one thing the node and the
/// operator API cannot tell us: why a service that runs never registers. The newest connection line decides, so
/// a service that failed twice and then connected is healthy.
/// </summary>
public static class ServiceLogDiagnosis
{
    private const string ConnectFailed = "could not connect to the node: ";
    private const string Disconnected = "disconnected: Err(";
    private const string Connected = "connected to the node";
    private const string ExitError = "Error: ";

    /// <summary>Lines oldest first, as in the file. Null when the newest connection line says all is well.</summary>
    public static ServiceProblem? Diagnose(IReadOnlyList<string> lines)
    {
        for (var i = lines.Count - 1; i >= 0; i--)
        {
            var line = lines[i].TrimEnd();
            if (line.StartsWith(ExitError, StringComparison.Ordinal))
            {
                return Exit(line, line[ExitError.Length..]);
            }

            var at = line.IndexOf(ConnectFailed, StringComparison.Ordinal);
            if (at >= 0)
            {
                return CannotConnect(line, line[(at + ConnectFailed.Length)..]) with { Repeats = Streak(lines, i, ConnectFailed) };
            }

            at = line.IndexOf(Disconnected, StringComparison.Ordinal);
            if (at >= 0)
            {
                if (RegisterRefusal(line, line[(at + Disconnected.Length)..].TrimEnd(')')) is { } refused)
                {
                    return refused with { Repeats = Streak(lines, i, Disconnected) };
                }

                // Any other broken stream: the service reconnects by itself, and the next line tells how that went.
                return null;
            }

            if (line.EndsWith(Connected, StringComparison.Ordinal))
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// How many lines carry <paramref name="marker"/> from <paramref name="last"/> back to the previous success. A
    /// refused registration follows a successful connect each time, so for it only other markers end the streak.
    /// </summary>
    private static int Streak(IReadOnlyList<string> lines, int last, string marker)
    {
        var count = 0;
        for (var i = last; i >= 0; i--)
        {
            var line = lines[i].TrimEnd();
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                count++;
            }
            else if (marker == ConnectFailed && line.EndsWith(Connected, StringComparison.Ordinal))
            {
                break;
            }
        }

        return count;
    }

    private static ServiceProblem CannotConnect(string line, string reason) => new(
        ServiceProblemKind.CannotConnect,
        $"cannot connect to the node: {reason}",
        ConnectHint(reason),
        line);

    private static string ConnectHint(string reason) => reason switch
    {
        _ when Has(reason, "UnknownIssuer") =>
            "the node's TLS certificate is not signed by the CA the service was given (--ca-cert): set tls.ca-cert (node.tls or the disk's tls) to the CA that signed the node's grpc-tls-listener certificate",
        _ when Has(reason, "NotValidForName") =>
            "the node's TLS certificate does not name the host in --address: set tls.domain to a name the certificate holds, or reissue it with `postfleet certs`",
        _ when Has(reason, "Expired") || Has(reason, "expired") =>
            "a certificate has expired: reissue the node and client certificates with `postfleet certs`",
        _ when Has(reason, "CertificateRequired") || Has(reason, "certificate required") || Has(reason, "bad certificate") || Has(reason, "unknown ca") || Has(reason, "UnknownCA") =>
            "the node refused the service's client certificate: --cert must be signed by the CA the node trusts (its grpc-tls-listener CA)",
        _ when Has(reason, "refused") =>
            "nothing listens at --address: is the node running, and is node.post-listener its grpc-post-listener (grpc-tls-listener for https)?",
        _ when Has(reason, "timed out") || Has(reason, "unreachable") || Has(reason, "No route") =>
            "the node's address is not reachable from where the service runs: check node.post-listener, the firewall and the container network",
        _ => "the service retries every --reconnect-interval-s; check node.post-listener and that the node runs and is reachable from the service's host",
    };

    private static ServiceProblem? RegisterRefusal(string line, string reason) => reason switch
    {
        _ when Has(reason, "already registered") => new(
            ServiceProblemKind.RegisterRefused,
            "the node refused the registration: another post-service for this identity is already connected",
            "only one post-service per identity may be connected: stop the other one (another orchestrator, a dagu DAG, or a service started by hand)",
            line),
        _ when Has(reason, "no coinbase") => new(
            ServiceProblemKind.RegisterRefused,
            "the node refused the registration: it has no coinbase set",
            "set smeshing.smeshing-coinbase in the node's config.json and restart the node",
            line),
        _ => null,
    };

    private static ServiceProblem Exit(string line, string reason) => new(
        ServiceProblemKind.Exited,
        $"post-service exited: {reason}",
        reason switch
        {
            _ when Has(reason, "max retries") => "the node was unreachable for every attempt --max-retries allows; see the connect errors above it in the log",
            _ when Has(reason, "num units") || Has(reason, "num_units") => "the identity's num-units is outside post.min-num-units..post.max-num-units",
            _ when Has(reason, "tls") || Has(reason, "TLS") => "check the tls files (ca-cert, cert, key): all three must exist and be PEM",
            _ => "see the service's log for the lines before it",
        },
        line);

    private static bool Has(string text, string part) => text.Contains(part, StringComparison.Ordinal);
}
