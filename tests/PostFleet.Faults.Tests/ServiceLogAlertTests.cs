using System.Text.Json.Nodes;
using PostFleet.Core.Model;
using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>
/// The service-problem alert against the lines a real post-service writes: it opens while connect failures keep
/// coming, and closes once the service registers (post-rs logs nothing for a connect; the node's MetadataRequest
/// gives <c>obtained metadata: …</c>) and proves.
/// </summary>
public sealed class ServiceLogAlertTests
{
    [Fact]
    public async Task A_service_that_could_not_connect_for_a_while_and_then_proves_leaves_no_open_alert()
    {
        // The service reaches the node's post listener by its own path (its wrapper dials another port), which has
        // no listener until the test opens it: to the service the node is down, to the daemon it is up and asking.
        var serviceAddress = FreePorts.Next();
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA")], TimeScale = 20, ServiceAddressPort = serviceAddress });
        await fleet.StartNodeAsync();
        var port = FreePorts.Next();
        fleet.StartDaemon("--listen", $"http://127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        try
        {
            await Eventually.UntilAsync(
                async () => (await OpenAlertsAsync(http)).Any(a => (string?)a["kind"] == "service-problem" && (string?)a["service"] == "a1"),
                "a service-problem alert for a1 while its connects fail",
                TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{fleet.Describe()}\ndaemon: {fleet.Daemon!.StandardOutput}\n{fleet.Daemon.StandardError}\nfleet view: {await TryGetAsync(http, "api/v1/fleet")}\nlogs:\n{ServiceLog(fleet)}", ex);
        }

        await using var proxy = new LoopbackProxy(serviceAddress, fleet.PostPort);
        await fleet.WaitForDeliveriesAsync(["a1"], 1, TimeSpan.FromSeconds(180));
        await Eventually.UntilAsync(
            async () => !(await OpenAlertsAsync(http)).Any(a => (string?)a["kind"] == "service-problem"),
            () => "the service-problem alert to close after a1 registered and proved; " + fleet.Describe(),
            TimeSpan.FromSeconds(60));

        var log = ServiceLog(fleet);
        Assert.Contains("INFO  post_service::client] could not connect to the node: tonic::transport::Error(Transport, ConnectError(ConnectError(\"tcp connect error\", Os { code: 111, kind: ConnectionRefused, message: \"Connection refused\" })))", log, StringComparison.Ordinal);
        Assert.Contains("INFO  post_service::client] obtained metadata: PostMetadata { node_id: [", log, StringComparison.Ordinal);
        Assert.DoesNotContain("connected to the node", log.Replace("could not connect to the node", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.True(proxy.Connections > 0);
    }

    [Fact]
    public async Task A_second_service_for_an_identity_is_diagnosed_as_a_duplicate_from_its_real_log_lines()
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA")] });
        await fleet.StartNodeAsync();
        string[] arguments =
        [
            "sim", "post-service", "--dir", fleet.DataDir("a1"), "--address", $"http://127.0.0.1:{fleet.PostPort}", "--reconnect-interval-s", "1",
            "-n", "16", "--k1", "12", "--k2", "20", "--min-num-units", "1", "--pow-difficulty", new string('f', 64),
        ];
        await using var first = ChildProcess.StartPostfleet(arguments, fleet.Root);
        await first.WaitForOutputAsync("obtained metadata: PostMetadata", TimeSpan.FromSeconds(30));
        await using var second = ChildProcess.StartPostfleet(arguments, fleet.Root);
        await Eventually.UntilAsync(
            () => second.StandardError.Split('\n').Count(l => l.Contains("disconnected: Err(status: Unknown, message: \"post service already registered\"", StringComparison.Ordinal)) >= 3,
            () => "three refused registrations in the second service's log; got:\n" + second.StandardError,
            TimeSpan.FromSeconds(60));

        var lines = second.StandardError.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        var problem = ServiceLogDiagnosis.Diagnose(lines, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1));
        Assert.Equal(ServiceProblemKind.RegisterRefused, problem?.Kind);
        Assert.True(problem!.Repeats >= 3, $"repeats {problem.Repeats}");
        Assert.Null(ServiceLogDiagnosis.Diagnose(first.StandardError.Replace("\r", "", StringComparison.Ordinal).Split('\n'), DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1)));
    }

    private static string ServiceLog(SimFleet fleet) =>
        Directory.Exists(Path.Combine(fleet.StateDir, "logs"))
            ? string.Join('\n', Directory.GetFiles(Path.Combine(fleet.StateDir, "logs"), "a1-*.log").Select(SimFleet.ReadShared))
            : "(no logs folder)";

    private static async Task<string> TryGetAsync(HttpClient http, string path)
    {
        try
        {
            return await http.GetStringAsync(path);
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
    }

    private static async Task<IReadOnlyList<JsonNode>> OpenAlertsAsync(HttpClient http)
    {
        try
        {
            return [.. JsonNode.Parse(await http.GetStringAsync("api/v1/alerts"))!["open"]!.AsArray().Select(a => a!)];
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }
}
