namespace PostFleet.Core.Model;

/// <summary>
/// What a post-service failure line means and what to change, from the real error texts: tonic's transport error
/// printed with <c>{e:?}</c> (<c>tonic::transport::Error(Transport, ConnectError(…))</c> around hyper-util's
/// <c>ConnectError("tcp connect error", Os { … })</c> or an io::Error wrapping a rustls error), tonic's Status
/// Display for a refused Register, and Rust's <c>Error: …</c> at exit.
/// </summary>
internal static class ServiceLogProblems
{
    public static ServiceProblem CannotConnect(string line, string reason) => new(
        ServiceProblemKind.CannotConnect,
        $"cannot connect to the node: {Readable(reason)}",
        ConnectHint(reason),
        line);

    public static bool IsCertificateRefusal(string reason) =>
        Has(reason, "BadCertificate") || Has(reason, "CertificateRequired") || Has(reason, "UnknownCA") || Has(reason, "bad certificate") || Has(reason, "certificate required") || Has(reason, "unknown ca");

    public static ServiceProblem? RegisterRefusal(string line, string reason) => reason switch
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

    public static ServiceProblem Exit(string line, string reason) => new(
        ServiceProblemKind.Exited,
        $"post-service exited: {reason}",
        reason switch
        {
            _ when Has(reason, "max retries") => "the node was unreachable for every attempt --max-retries allows; see the connect errors above it in the log",
            _ when Has(reason, "num units") || Has(reason, "num_units") || Has(reason, "number of units") => "the identity's num-units is outside post.min-num-units..post.max-num-units",
            _ when Has(reason, "tls") || Has(reason, "TLS") => "check the tls files (ca-cert, cert, key): all three must exist and be PEM",
            _ => "see the service's log for the lines before it",
        },
        line);

    /// <summary>
    /// The cause in the words rustls and std print for it (their Display), instead of the nested Debug the log
    /// holds: <c>invalid peer certificate: UnknownIssuer</c>, <c>tcp connect error: Connection refused (os error 111)</c>.
    /// </summary>
    internal static string Readable(string reason)
    {
        if (Inner(reason, "InvalidCertificate(") is { } certificate)
        {
            return $"invalid peer certificate: {certificate}";
        }

        if (Inner(reason, "AlertReceived(") is { } alert)
        {
            return $"received fatal alert: {alert}";
        }

        if (Inner(reason, "Os { ") is { } os && Field(os, "code: ", ',') is { } code && Field(os, "message: \"", '"') is { } message)
        {
            return $"tcp connect error: {message} (os error {code})";
        }

        return reason;
    }

    private static string ConnectHint(string reason) => reason switch
    {
        _ when Has(reason, "UnknownIssuer") =>
            "the node's TLS certificate is not signed by the CA the service was given (--ca-cert): set tls.ca-cert (node.tls or the disk's tls) to the CA that signed the node's grpc-tls-listener certificate",
        _ when Has(reason, "NotValidForName") =>
            "the node's TLS certificate does not name the host in --address: set tls.domain to a name the certificate holds, or reissue it with `postfleet certs`",
        _ when Has(reason, "Expired") || Has(reason, "expired") =>
            "a certificate has expired: reissue the node and client certificates with `postfleet certs`",
        _ when IsCertificateRefusal(reason) =>
            "the node refused the service's client certificate: --cert must be signed by the CA the node trusts (its grpc-tls-listener CA)",
        _ when Has(reason, "ConnectionRefused") || Has(reason, "refused") =>
            "nothing listens at --address: is the node running, and is node.post-listener its grpc-post-listener (grpc-tls-listener for https)?",
        _ when Has(reason, "TimedOut") || Has(reason, "timed out") || Has(reason, "Unreachable") || Has(reason, "unreachable") || Has(reason, "No route") =>
            "the node's address is not reachable from where the service runs: check node.post-listener, the firewall and the container network",
        _ => "the service retries every --reconnect-interval-s; check node.post-listener and that the node runs and is reachable from the service's host",
    };

    /// <summary>The text inside the parentheses or braces that open with <paramref name="open"/>, balanced.</summary>
    private static string? Inner(string text, string open)
    {
        var start = text.IndexOf(open, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var depth = 1;
        for (var i = start + open.Length; i < text.Length; i++)
        {
            depth += text[i] switch { '(' or '{' => 1, ')' or '}' => -1, _ => 0 };
            if (depth == 0)
            {
                return text[(start + open.Length)..i].Trim();
            }
        }

        return null;
    }

    private static string? Field(string text, string name, char end)
    {
        var start = text.IndexOf(name, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += name.Length;
        var stop = text.IndexOf(end, start);
        return stop < 0 ? null : text[start..stop];
    }

    private static bool Has(string text, string part) => text.Contains(part, StringComparison.Ordinal);
}
