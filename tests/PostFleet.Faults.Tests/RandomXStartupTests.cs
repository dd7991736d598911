using System.Globalization;
using PostFleet.Daemon.Web.Client;
using PostFleet.Testing;
using Xunit.Abstractions;

namespace PostFleet.Faults.Tests;

/// <summary>
/// post-service in fast RandomX mode builds its 2 GiB dataset at the start of every proof, holding the lock that
/// /status takes (post-rs service/src/service.rs, <c>gen_proof</c>): for the whole build the first GenProof reply
/// is late and every /status read times out. The real daemon must read that as a start-up: no stop, no alert, the
/// service shown as starting (never unreachable), and the build learned as the disk's start-up.
/// </summary>
public sealed class RandomXStartupTests(ITestOutputHelper output)
{
    /// <summary>Six operator timeouts (2 s) and about twelve reconcile passes (resync 1 s).</summary>
    private const double Build = 12;

    [Fact]
    public async Task A_fast_mode_dataset_build_is_a_start_up_the_daemon_waits_for_shows_and_learns()
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions
        {
            TimeScale = 20,
            Services = [("a1", "diskA"), ("b1", "diskB")],
            RandomXMode = "fast",
            RandomXFastSetupSeconds = Build,
            // A k2pow of several seconds after the build, so the first answer after it is seen in k2pow.
            K2PowSeconds = 3,
            NoProgressTimeout = "10m",
        });
        var web = new Uri($"http://127.0.0.1:{FreePorts.Next()}");
        await fleet.StartNodeAsync();
        fleet.StartDaemon("--listen", web.ToString());
        var client = DaemonApiClient.For(web);
        string[] services = ["a1", "b1"];

        // Watch the API through both builds: a look counts when its pass was made while the build was under way.
        var seenWhileBuilding = new List<string>();
        var alerts = new HashSet<string>(StringComparer.Ordinal);
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                var view = await client.GetFleetAsync();
                var open = await client.GetAlertsAsync();
                alerts.UnionWith(open.Open.Concat(open.Recent.Select(c => c.Alert)).Where(a => a.Service is not null).Select(a => a.Key));
                foreach (var s in view.Services.Where(s => BuildingAt(fleet, s.Name, view.At)))
                {
                    seenWhileBuilding.Add($"{s.Name}:{s.Phase}:{s.DagState}");
                }
            }
            catch (Exception ex) when (ex is DaemonApiException or HttpRequestException)
            {
                // not listening yet, or no pass yet
            }

            return services.All(s => fleet.Delivered(s).Count >= 1);
        }, () => "both proofs delivered; " + fleet.Describe(), TimeSpan.FromSeconds(150));

        foreach (var name in services)
        {
            var events = fleet.ServiceEvents(name);
            var delivered = fleet.Delivered(name)[0].Time;
            // One run built the dataset once and proved: never stopped or started again during its build.
            Assert.Single(events, e => e.Event == "started" && e.Time < delivered);
            var setupEnd = events.Single(e => e.Event == "randomx-setup-end" && e.Time < delivered);
            var setupStart = events.Single(e => e.Event == "randomx-setup-start" && e.Time < delivered);
            Assert.True(setupEnd.Time - setupStart.Time >= TimeSpan.FromSeconds(Build * 0.95), $"{name}: build {setupEnd.Time - setupStart.Time}");
            // No stop before the delivery (the one after it, once the node says IDLE, is the normal end of the run).
            var stops = fleet.History($"SELECT at, reason FROM actions WHERE service = '{name}' AND action = 'StopService'")
                .Select(r => (At: DateTimeOffset.Parse(r["at"]!, CultureInfo.InvariantCulture), Reason: r["reason"]))
                .ToList();
            Assert.DoesNotContain(stops, stop => stop.At <= delivered);
            output.WriteLine($"{name}: build {(setupEnd.Time - setupStart.Time).TotalSeconds:0.00} s, started at +{(setupStart.Time - events.First(e => e.Event == "started").Time).TotalSeconds:0.00} s");
        }

        // Every look during a build shows a start-up: "idle" until the node's GenProof reaches the service, then
        // "starting" while /status is held; never "unreachable".
        Assert.All(seenWhileBuilding, s => Assert.Matches("^[ab]1:(idle|starting):waiting$", s));
        Assert.Contains(seenWhileBuilding, s => s.Contains(":starting:", StringComparison.Ordinal));
        Assert.Empty(alerts);
        output.WriteLine($"looks during the builds: {string.Join(", ", seenWhileBuilding.GroupBy(s => s).Select(g => $"{g.Key} ×{g.Count()}"))}");

        // The build is learned as each disk's start-up (its run's start to its first /status answer), so the
        // forecast adds it before k2pow; the start-up also holds the process start (seconds for a JIT start on a
        // loaded machine), the node's first GenProof and the next look after the build.
        var startup = fleet.History("SELECT name, value FROM estimates WHERE kind = 'startup-seconds'")
            .ToDictionary(r => r["name"]!, r => double.Parse(r["value"]!, CultureInfo.InvariantCulture));
        foreach (var disk in new[] { "diskA", "diskB" })
        {
            Assert.True(startup.TryGetValue(disk, out var seconds), $"no start-up learned for {disk}: {string.Join(", ", startup)}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{disk}: start-up learned {seconds:0.00} s for a {Build} s build"));
            Assert.InRange(seconds, Build, Build + 15);
        }
    }

    /// <summary>A build of the service had begun at <paramref name="at"/> and not yet ended.</summary>
    private static bool BuildingAt(SimFleet fleet, string service, DateTimeOffset at)
    {
        var setup = fleet.ServiceEvents(service).Where(e => e.Event is "randomx-setup-start" or "randomx-setup-end" && e.Time <= at).ToList();
        return setup.Count > 0 && setup[^1].Event == "randomx-setup-start";
    }
}
