using PostFleet.Core.Model;

namespace PostFleet.Core.Tests.ServiceLogs;

/// <summary>
/// The diagnosis against the lines the real post-service writes (post-rs service/src/client.rs, env_logger's
/// default format; tonic's transport error and Status as printed with {:?}).
/// </summary>
public sealed class ServiceLogDiagnosisTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private const string Refused = "tonic::transport::Error(Transport, ConnectError(ConnectError(\"tcp connect error\", Os { code: 111, kind: ConnectionRefused, message: \"Connection refused\" })))";
    private const string Metadata = "obtained metadata: PostMetadata { node_id: [1, 2, 3], commitment_atx_id: [4, 5, 6], labels_per_unit: 1024, num_units: 2, max_file_size: 4096, nonce: Some(7), last_position: None }";
    private const string Duplicate = "disconnected: Err(status: Unknown, message: \"post service already registered\", details: [], metadata: MetadataMap { headers: {} })";

    private static string At(int secondsAgo, string message, string level = "INFO ", string target = "post_service::client") =>
        $"[{Now.AddSeconds(-secondsAgo):yyyy-MM-ddTHH:mm:ssZ} {level} {target}] {message}";

    private static ServiceProblem? Diagnose(params string[] lines) => ServiceLogDiagnosis.Diagnose(lines, Now, Interval);

    private static string Tls(string error) => $"tonic::transport::Error(Transport, ConnectError(Custom {{ kind: InvalidData, error: {error} }}))";

    [Fact]
    public void A_wrong_ca_is_named_with_the_setting_to_change()
    {
        var problem = Diagnose(
            At(20, "configuring TLS: server: (CA cert: /etc/tls/ca.pem, domain: None), client: (cert: c.pem, key: k.pem)", target: "post_service"),
            At(1, "could not connect to the node: " + Tls("InvalidCertificate(UnknownIssuer)")));

        Assert.NotNull(problem);
        Assert.Equal(ServiceProblemKind.CannotConnect, problem.Kind);
        Assert.Equal("cannot connect to the node: invalid peer certificate: UnknownIssuer", problem.Summary);
        Assert.Contains("tls.ca-cert", problem.Hint, StringComparison.Ordinal);
        Assert.EndsWith("InvalidCertificate(UnknownIssuer) }))", problem.LogLine, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("InvalidCertificate(NotValidForName)", "tls.domain")]
    [InlineData("AlertReceived(CertificateRequired)", "--cert")]
    [InlineData("AlertReceived(BadCertificate)", "--cert")]
    [InlineData("InvalidCertificate(Expired)", "postfleet certs")]
    public void Each_tls_failure_gets_its_own_hint(string error, string hintPart)
    {
        var problem = Diagnose(At(0, "could not connect to the node: " + Tls(error)));

        Assert.NotNull(problem);
        Assert.Contains(hintPart, problem.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(111, "ConnectionRefused", "Connection refused", "node.post-listener")]
    [InlineData(110, "TimedOut", "Connection timed out", "firewall")]
    [InlineData(113, "HostUnreachable", "No route to host", "firewall")]
    [InlineData(999, "Uncategorized", "something new", "--reconnect-interval-s")]
    public void Each_tcp_failure_gets_its_own_hint_and_reads_as_rust_displays_it(int code, string kind, string message, string hintPart)
    {
        var problem = Diagnose(At(0, $"could not connect to the node: tonic::transport::Error(Transport, ConnectError(ConnectError(\"tcp connect error\", Os {{ code: {code}, kind: {kind}, message: \"{message}\" }})))"));

        Assert.NotNull(problem);
        Assert.Equal($"cannot connect to the node: tcp connect error: {message} (os error {code})", problem.Summary);
        Assert.Contains(hintPart, problem.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeats_counts_the_same_failure_since_the_last_registration()
    {
        var problem = Diagnose(
            At(40, "could not connect to the node: " + Refused),
            At(35, Metadata),
            At(30, "disconnected: Ok(())"),
            At(10, "could not connect to the node: " + Refused),
            At(5, "could not connect to the node: " + Refused),
            At(0, "could not connect to the node: " + Refused));

        // Every refused registration follows the metadata exchange: those lines do not end the streak.
        var refused = Diagnose(At(6, Metadata), At(6, Duplicate), At(1, Metadata), At(1, Duplicate));

        Assert.Equal(3, problem?.Repeats);
        Assert.Equal(ServiceProblemKind.RegisterRefused, refused?.Kind);
        Assert.Equal(2, refused?.Repeats);
    }

    [Fact]
    public void Obtained_metadata_after_failures_is_a_registration()
    {
        Assert.Null(Diagnose(
            At(12, "could not connect to the node: " + Refused),
            At(7, "could not connect to the node: " + Refused),
            At(2, Metadata)));
    }

    [Fact]
    public void A_failure_stands_only_while_new_failure_lines_keep_coming()
    {
        string[] failing = [At(70, "could not connect to the node: " + Refused), At(65, "could not connect to the node: " + Refused), At(60, "could not connect to the node: " + Refused)];

        // The last failure a minute ago and nothing since: the service connected (which logs nothing) and is waiting
        // for the node, e.g. while the node syncs and its identity is IDLE.
        Assert.Null(Diagnose(failing));

        // Within one interval plus the margin the failure still stands.
        Assert.NotNull(ServiceLogDiagnosis.Diagnose(failing, Now.AddSeconds(-60) + Interval + ServiceLogDiagnosis.Margin, Interval));
        Assert.Null(ServiceLogDiagnosis.Diagnose(failing, Now.AddSeconds(-60) + Interval + ServiceLogDiagnosis.Margin + TimeSpan.FromSeconds(1), Interval));
    }

    [Fact]
    public void Slow_failures_are_aged_by_the_gap_the_service_actually_keeps()
    {
        // Each attempt runs into the TCP timeout (about two minutes) before the interval even starts.
        var timeout = "could not connect to the node: tonic::transport::Error(Transport, ConnectError(ConnectError(\"tcp connect error\", Os { code: 110, kind: TimedOut, message: \"Connection timed out\" })))";

        Assert.NotNull(Diagnose(At(400, timeout), At(265, timeout), At(130, timeout)));
        Assert.Null(Diagnose(At(700, timeout), At(565, timeout), At(430, timeout)));
    }

    [Fact]
    public void A_refused_registration_says_which_refusal()
    {
        var duplicate = Diagnose(At(1, Metadata), At(1, Duplicate));
        var coinbase = Diagnose(At(1, "disconnected: Err(status: FailedPrecondition, message: \"connection not allowed: node has no coinbase set in config\", details: [], metadata: MetadataMap { headers: {\"content-type\": \"application/grpc\"} })"));

        Assert.Equal(ServiceProblemKind.RegisterRefused, duplicate?.Kind);
        Assert.Contains("only one post-service per identity", duplicate!.Hint, StringComparison.Ordinal);
        Assert.Equal(ServiceProblemKind.RegisterRefused, coinbase?.Kind);
        Assert.Contains("smeshing-coinbase", coinbase!.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_certificate_refused_after_the_handshake_is_read_from_the_report_lines()
    {
        // TLS 1.3: the connect succeeds, the node's alert ends the Register stream; eyre prints the cause below.
        var problem = Diagnose(
            At(0, "disconnected: Err(status: Unknown, message: \"h2 protocol error: http2 error\", details: [], metadata: MetadataMap { headers: {} }"),
            "",
            "Caused by:",
            "    0: http2 error",
            "    1: received fatal alert: BadCertificate)");

        Assert.Equal(ServiceProblemKind.CannotConnect, problem?.Kind);
        Assert.Contains("--cert", problem!.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ordinary_disconnect_is_not_a_problem_by_itself()
    {
        Assert.Null(Diagnose(At(1, Metadata), At(0, "disconnected: Err(status: Unavailable, message: \"transport is closing\", details: [], metadata: MetadataMap { headers: {} })")));
        Assert.Null(Diagnose(At(0, "disconnected: Ok(())")));
    }

    [Fact]
    public void An_exit_error_explains_the_exit_however_old_the_lines_before_it()
    {
        var problem = Diagnose(
            At(3600, "could not connect to the node: " + Refused),
            "Error: max retries (10) reached");

        Assert.Equal(ServiceProblemKind.Exited, problem?.Kind);
        Assert.Equal("post-service exited: max retries (10) reached", problem!.Summary);
        Assert.Contains("--max-retries", problem.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_or_quiet_log_has_no_problem()
    {
        Assert.Null(Diagnose());
        Assert.Null(Diagnose(At(3, "not configuring TLS", target: "post_service"), At(2, "running operator service on 127.0.0.1:50051", target: "post_service::operator")));
    }

    [Fact]
    public void Proof_lines_are_evidence_of_a_registration_too()
    {
        Assert.Null(Diagnose(At(9, "could not connect to the node: " + Refused), At(1, "failed to generate proof: invalid challenge format", "ERROR")));
        Assert.Null(Diagnose(At(9, "could not connect to the node: " + Refused), At(1, "proof is valid (verification took: 0.25s)")));
    }
}
