using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>SIGTERM to `postfleet run` mid-proof: a clean exit within its timeout, by the configured policy.</summary>
public sealed class ShutdownStopAllTests
{
    [Fact]
    public async Task Sigterm_with_stop_all_exits_cleanly_and_stops_every_service()
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA"), ("b1", "diskB")], OnShutdown = "stop-all", K2PowSeconds = 3 });
        await fleet.StartAsync();
        await Eventually.UntilAsync(() => fleet.ServiceEvents("a1").Any(e => e.Event == "k2pow-start") && fleet.ServiceEvents("b1").Any(e => e.Event == "k2pow-start"), () => "both proving; " + fleet.Describe());
        var pids = fleet.ServiceRecord().Where(e => e.Event == "started").Select(e => e.Pid).Distinct().Where(fleet.IsOurs).ToList();
        Assert.NotEmpty(pids);

        fleet.Daemon!.Signal(Posix.SigTerm);
        Assert.Equal(0, await fleet.Daemon.WaitForExitAsync(TimeSpan.FromSeconds(15))); // stop-grace 2 s, twice, plus margin

        Assert.All(pids, pid => Assert.False(SimFleet.IsAlive(pid), $"service pid {pid} still alive"));
        Assert.Contains(fleet.History("SELECT detail FROM daemon_events WHERE kind = 'shutdown'"), r => r["detail"]!.Contains("StopAll", StringComparison.Ordinal));
    }
}

public sealed class ShutdownLeaveRunningTests
{
    [Fact]
    public async Task Sigterm_with_leave_running_exits_cleanly_and_the_services_keep_proving()
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA"), ("b1", "diskB")], OnShutdown = "leave-running", K2PowSeconds = 3 });
        await fleet.StartAsync();
        await Eventually.UntilAsync(() => fleet.ServiceEvents("a1").Any(e => e.Event == "k2pow-start") && fleet.ServiceEvents("b1").Any(e => e.Event == "k2pow-start"), () => "both proving; " + fleet.Describe());
        var pids = fleet.ServiceRecord().Where(e => e.Event == "started").Select(e => e.Pid).Distinct().Where(fleet.IsOurs).ToList();

        fleet.Daemon!.Signal(Posix.SigTerm);
        Assert.Equal(0, await fleet.Daemon.WaitForExitAsync(TimeSpan.FromSeconds(15)));

        Assert.All(pids, pid => Assert.True(SimFleet.IsAlive(pid), $"service pid {pid} was stopped"));
        // Without any orchestrator the services still hand their proofs to the node.
        await fleet.WaitForDeliveriesAsync(["a1", "b1"], 1);
        Assert.Contains(fleet.History("SELECT detail FROM daemon_events WHERE kind = 'shutdown'"), r => r["detail"]!.Contains("LeaveRunning", StringComparison.Ordinal));
    }
}

/// <summary>
/// kill -9 of the daemon mid-proof, then a new daemon on the same state: it adopts the runs (pid + start time +
/// boot id) instead of starting duplicates, and every proof is delivered.
/// </summary>
public sealed class DaemonKillTests
{
    [Fact]
    public async Task Daemon_killed_mid_epoch_and_restarted_adopts_runs_no_duplicate_and_all_delivered()
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA"), ("a2", "diskA"), ("b1", "diskB")] });
        await fleet.StartAsync();
        await Eventually.UntilAsync(() => fleet.ServiceEvents("a1").Any(e => e.Event == "k2pow-start") && fleet.ServiceEvents("b1").Any(e => e.Event == "k2pow-start"), () => "a1 and b1 proving; " + fleet.Describe());

        fleet.Daemon!.Signal(Posix.SigKill);
        await fleet.Daemon.WaitForExitAsync(TimeSpan.FromSeconds(10));
        fleet.StartDaemon();

        await fleet.WaitForDeliveriesAsync(["a1", "a2", "b1"], 2, TimeSpan.FromSeconds(90));

        // No duplicate: the node never rejected a second service for an identity, and each proof request of each
        // identity saw exactly one service start (between the request and its delivery).
        Assert.DoesNotContain(fleet.NodeRecord(), e => e.Event == "service-rejected");
        var node = fleet.NodeRecord();
        foreach (var service in new[] { "a1", "a2", "b1" })
        {
            foreach (var delivered in node.Where(e => e.Event == "proof-delivered" && e.Identity == service))
            {
                var requested = node.Last(e => e.Event == "proof-requested" && e.Identity == service && e.Time <= delivered.Time);
                var starts = fleet.ServiceEvents(service).Count(e => e.Event == "started" && e.Time >= requested.Time.AddSeconds(-1) && e.Time <= delivered.Time);
                Assert.True(starts <= 1, $"{service}: {starts} services started for the proof requested at {requested.Time:O}");
            }
        }

        Assert.Contains(fleet.History("SELECT outcome FROM actions WHERE action = 'StartService'"), r => r["outcome"]!.StartsWith("started", StringComparison.Ordinal));
    }
}

/// <summary>
/// No key material (identity.key), API token or webhook secret in any response of any endpoint (every route of the
/// routing table, with every service and intent), in the daemon's log or in its state (history rows); key files 0600.
/// </summary>
public sealed class KeyMaterialTests
{
    private const string WebhookSecret = "WEBHOOK-SECRET-7f3a";

    [Fact]
    public async Task No_secret_in_any_response_log_or_history_and_key_files_are_0600()
    {
        // Over mTLS, so the daemon and the services hold TLS private keys too (node.tls: the node's, the CA's and the
        // client's key PEMs in the bundle folder).
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA"), ("b1", "diskB")], Tls = true });
        var token = "api-token-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await File.WriteAllTextAsync(Path.Combine(fleet.Root, "api-token"), token + "\n");
        var port = FreePorts.Next();
        await File.AppendAllTextAsync(fleet.FleetConfig, $$"""
            api:
              listen: 127.0.0.1:{{port}}
              token-file: api-token
            alerts:
              webhooks:
                - { url: "http://127.0.0.1:{{FreePorts.Next()}}/hook/{{WebhookSecret}}-path?key={{WebhookSecret}}-query", kind: slack }

            """);
        await fleet.StartAsync();
        await fleet.WaitForDeliveriesAsync(["a1", "b1"], 1);

        var keys = new[] { "a1", "b1" }.ToDictionary(s => s, s => File.ReadAllText(Path.Combine(fleet.DataDir(s), "identity.key")));
        var secrets = keys.Values.SelectMany(k => new[] { k, k[..64] }).Append(token).Append(WebhookSecret) // full key and the private seed
            .Concat(TlsKeyLines(fleet.Certs!)).Append("PRIVATE KEY-----").ToList();

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        var routes = await EveryEndpoint.RoutesAsync();
        Assert.Contains(routes, r => r.Pattern == "/api/v1/services/{name}/log");
        var requests = EveryEndpoint.Requests(routes, ["a1", "b1"]).ToList();
        // A service's log is served only while it has a run (between proofs a stopped run's log is gone, and a walk of
        // every route takes longer than a proof here): the log routes are called until one answers with a log.
        var logs = requests.Where(r => r.Path.StartsWith("/api/v1/services/", StringComparison.Ordinal) && r.Path.Contains("/log?", StringComparison.Ordinal)).ToList();
        var answers = new List<string>
        {
            await Eventually.UntilAsync(async Task<string?> () =>
            {
                foreach (var (method, path) in logs)
                {
                    var answer = await EveryEndpoint.CallAsync(http, method, path, token);
                    if (answer.Contains(" -> 200", StringComparison.Ordinal))
                    {
                        return answer;
                    }
                }

                return null;
            }, "a service running with a log", TimeSpan.FromSeconds(120)),
        };
        foreach (var (method, path) in requests)
        {
            answers.Add(await EveryEndpoint.CallAsync(http, method, path, token));
        }

        var summary = string.Join("\n", answers.Select(a => a.Split('\n')[0]));
        Assert.True(answers.Any(a => a.StartsWith("GET /api/v1/services/", StringComparison.Ordinal) && a.Contains("/log?lines=5000&limit=1000 -> 200", StringComparison.Ordinal)), summary);
        Assert.True(answers.Any(a => a.StartsWith("POST /api/v1/services/b1/force-stop -> 202", StringComparison.Ordinal)), summary);
        Assert.True(answers.Any(a => a.StartsWith("GET /api/v1/alerts?", StringComparison.Ordinal) && a.Contains("slack", StringComparison.Ordinal)), summary);
        foreach (var answer in answers)
        {
            foreach (var secret in secrets)
            {
                Assert.False(answer.Contains(secret, StringComparison.OrdinalIgnoreCase), $"a secret in the answer to {answer.Split('\n')[0]}");
            }
        }

        // Two more passes, so the intents above are carried out, logged and written to the history too.
        var pass = await PassAsync(http);
        await Eventually.UntilAsync(async Task<string?> () => await PassAsync(http) >= pass + 2 ? "done" : null, "two more reconcile passes");

        var places = Directory.GetFiles(fleet.StateDir, "*", SearchOption.AllDirectories)
            .Append(fleet.DaemonLog).Append(Path.Combine(fleet.Root, "init.log"));
        foreach (var file in places)
        {
            // The daemon goes on while this reads: a run's file listed above can be gone by now (its run stopped).
            if (TryReadAllBytes(file) is not { } bytes)
            {
                continue;
            }

            var text = System.Text.Encoding.Latin1.GetString(bytes);
            foreach (var secret in secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.OrdinalIgnoreCase), $"{file} holds a secret");
            }
        }

        var keyFiles = keys.Keys.Select(s => Path.Combine(fleet.DataDir(s), "identity.key"))
            .Concat(Directory.GetFiles(Path.Combine(fleet.NodeDataDir, "identities"), "*.key"));
        Assert.All(keyFiles, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
    }

    /// <summary>
    /// Every base64 line of every TLS private key of the bundle (a whole key, or any part of one printed a line at a
    /// time, would contain one).
    /// </summary>
    private static IEnumerable<string> TlsKeyLines(PostFleet.Security.MtlsBundleFiles certs)
    {
        var keys = new[] { certs.CaKey, certs.NodeKey }.Concat(certs.Clients.Values.Select(c => c.Key)).ToList();
        Assert.Equal(3, keys.Count);
        var lines = keys.SelectMany(k => File.ReadAllLines(k).Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal))).ToList();
        Assert.True(lines.Count >= keys.Count, "the key PEMs have base64 bodies");
        return lines;
    }

    private static byte[]? TryReadAllBytes(string file)
    {
        try
        {
            return File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static async Task<long> PassAsync(HttpClient http)
    {
        using var json = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/v1/fleet"));
        return json.RootElement.GetProperty("pass").GetInt64();
    }
}
