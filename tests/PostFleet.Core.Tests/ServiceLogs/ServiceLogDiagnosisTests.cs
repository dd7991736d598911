using PostFleet.Core.Model;

namespace PostFleet.Core.Tests.ServiceLogs;

public sealed class ServiceLogDiagnosisTests
{
    private const string Stamp = "[2026-11-25T12:00:00Z INFO  post_service::client] ";

    [Fact]
    public void A_wrong_ca_is_named_with_the_setting_to_change()
    {
        var problem = ServiceLogDiagnosis.Diagnose(
        [
            Stamp + "configuring TLS: ca-cert /etc/tls/ca.pem",
            Stamp + "could not connect to the node: transport error: invalid peer certificate: UnknownIssuer",
        ]);

        Assert.NotNull(problem);
        Assert.Equal(ServiceProblemKind.CannotConnect, problem.Kind);
        Assert.Equal("cannot connect to the node: transport error: invalid peer certificate: UnknownIssuer", problem.Summary);
        Assert.Contains("tls.ca-cert", problem.Hint, StringComparison.Ordinal);
        Assert.EndsWith("UnknownIssuer", problem.LogLine, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("transport error: invalid peer certificate: NotValidForName", "tls.domain")]
    [InlineData("transport error: received fatal alert: CertificateRequired", "--cert")]
    [InlineData("transport error: tcp connect error: Connection refused (os error 111)", "node.post-listener")]
    [InlineData("transport error: invalid peer certificate: Expired", "postfleet certs")]
    [InlineData("transport error: something new", "--reconnect-interval-s")]
    public void Each_connect_failure_gets_its_own_hint(string reason, string hintPart)
    {
        var problem = ServiceLogDiagnosis.Diagnose([Stamp + "could not connect to the node: " + reason]);

        Assert.NotNull(problem);
        Assert.Contains(hintPart, problem.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeats_counts_the_same_failure_since_the_last_connection()
    {
        var failed = Stamp + "could not connect to the node: transport error: Connection refused";
        var problem = ServiceLogDiagnosis.Diagnose([failed, Stamp + "connected to the node", Stamp + "disconnected: Ok(())", failed, failed, failed]);
        var refusal = Stamp + "disconnected: Err(status: Unknown, message: \"post service already registered\")";
        var refused = ServiceLogDiagnosis.Diagnose([Stamp + "connected to the node", refusal, Stamp + "connected to the node", refusal]);

        Assert.Equal(3, problem?.Repeats);
        Assert.Equal(2, refused?.Repeats);
    }

    [Fact]
    public void A_connection_after_failures_is_healthy()
    {
        Assert.Null(ServiceLogDiagnosis.Diagnose(
        [
            Stamp + "could not connect to the node: transport error: Connection refused",
            Stamp + "connected to the node",
            Stamp + "obtained metadata: PostMetadata { .. }",
        ]));
    }

    [Fact]
    public void A_refused_registration_says_which_refusal()
    {
        var duplicate = ServiceLogDiagnosis.Diagnose(
        [
            Stamp + "connected to the node",
            Stamp + "disconnected: Err(status: Unknown, message: \"post service already registered\")",
        ]);
        var coinbase = ServiceLogDiagnosis.Diagnose(
        [
            Stamp + "connected to the node",
            Stamp + "disconnected: Err(status: FailedPrecondition, message: \"connection not allowed: node has no coinbase set in config\")",
        ]);

        Assert.Equal(ServiceProblemKind.RegisterRefused, duplicate?.Kind);
        Assert.Contains("only one post-service per identity", duplicate!.Hint, StringComparison.Ordinal);
        Assert.Equal(ServiceProblemKind.RegisterRefused, coinbase?.Kind);
        Assert.Contains("smeshing-coinbase", coinbase!.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ordinary_disconnect_is_not_a_problem_by_itself()
    {
        Assert.Null(ServiceLogDiagnosis.Diagnose([Stamp + "connected to the node", Stamp + "disconnected: Err(status: Unavailable, message: \"transport is closing\")"]));
        Assert.Null(ServiceLogDiagnosis.Diagnose([Stamp + "disconnected: Ok(())"]));
    }

    [Fact]
    public void An_exit_error_explains_the_exit()
    {
        var problem = ServiceLogDiagnosis.Diagnose(
        [
            Stamp + "could not connect to the node: transport error: Connection refused",
            "Error: max retries (10) reached",
        ]);

        Assert.Equal(ServiceProblemKind.Exited, problem?.Kind);
        Assert.Equal("post-service exited: max retries (10) reached", problem!.Summary);
        Assert.Contains("--max-retries", problem.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_or_quiet_log_has_no_problem()
    {
        Assert.Null(ServiceLogDiagnosis.Diagnose([]));
        Assert.Null(ServiceLogDiagnosis.Diagnose([Stamp + "not configuring TLS", Stamp + "running operator service on 127.0.0.1:50051"]));
    }
}
