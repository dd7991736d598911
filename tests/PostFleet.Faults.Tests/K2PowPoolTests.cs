using System.Globalization;
using System.Text.Json.Nodes;
using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>
/// The remote k2pow pool end to end with real processes: `postfleet run` starts two simulated k2pow-service
/// workers itself (k2pow.managed), its router is every post-service's --remote-k2pow, and the fleet proves epoch
/// after epoch with no k2pow on its own host. What is counted comes from the workers' own record (every job they
/// took, by pid and address), the post-services' record (every read) and the router's API.
/// </summary>
public sealed class K2PowPoolTests
{
    private const int Groups = 4;
    private static readonly TimeSpan RouterPoll = TimeSpan.FromMilliseconds(200);

    internal static SimFleetOptions PoolFleet(IReadOnlyList<(string, string)> services, double workerSecondsPerUnit) => new()
    {
        Services = services,
        Nonces = Groups * 16,
        PassSuccessProbability = 0.9,
        ExtraYaml =
        [
            "k2pow:",
            $"  listen: 127.0.0.1:{FreePorts.Next().ToString(CultureInfo.InvariantCulture)}",
            "  backoff: 1s",
            "  poll: 200ms",
            "  managed:",
            "    binary: bin/k2pow-service",
            "    count: 2",
            "    cores: 2",
            $"    listen: 127.0.0.1:{FreePorts.NextRun(2).ToString(CultureInfo.InvariantCulture)}",
        ],
        K2PowWorkerSecondsPerUnit = workerSecondsPerUnit,
    };

    [Fact]
    public async Task Fleet_proves_three_epochs_with_all_k2pow_on_a_pool_of_two_workers()
    {
        string[] names = ["a1", "a2", "b1", "b2"];
        await using var fleet = await SimFleet.CreateAsync(PoolFleet([("a1", "diskA"), ("a2", "diskA"), ("b1", "diskB"), ("b2", "diskB")], 0.5));
        await fleet.StartNodeAsync();
        var daemon = fleet.StartDaemon("--listen", DaemonApi.ListenArgument);
        using var api = await DaemonApi.ConnectAsync(daemon);

        await fleet.WaitForDeliveriesAsync(names, 3, TimeSpan.FromMinutes(8));
        var pool = await PoolAsync(api);
        var jobs = fleet.K2PowRecord().Where(e => e.Event is "k2pow-job-start" or "k2pow-job-end" or "k2pow-job-failed").ToList();
        var services = fleet.ServiceRecord();

        // All k2pow ran on the two workers: every pass of every service had its four groups computed there, once each.
        var passes = services.Where(e => e.Event == "k2pow-end").Select(e => (Node: e.NodeId!, e.Challenge, Pass: e.Raw.GetProperty("pass").GetInt32())).Distinct().ToList();
        Assert.True(passes.Count >= names.Length * 3, $"only {passes.Count} k2pow passes recorded");
        var starts = jobs.Where(e => e.Event == "k2pow-job-start").ToList();
        foreach (var (node, challenge, pass) in passes)
        {
            for (var group = pass * Groups; group < (pass + 1) * Groups; group++)
            {
                var taken = starts.Count(e => e.NodeId == node && e.Challenge == challenge![..16] && Group(e) == group);
                Assert.True(taken == 1, $"group {group} of {node[..8]} on {challenge![..16]} was taken by a worker {taken} times");
            }
        }

        // ... and no worker took a job twice, nor one that no service pass asked for (passes still running included).
        var asked = services.Where(e => e.Event == "k2pow-start").Select(e => (e.NodeId, Challenge: e.Challenge![..16], Pass: e.Raw.GetProperty("pass").GetInt32())).ToHashSet();
        Assert.All(starts.GroupBy(e => (e.NodeId, e.Challenge, Group(e))), g => Assert.Single(g));
        Assert.All(starts, e => Assert.Contains((e.NodeId, e.Challenge!, Group(e) / Groups), asked));
        Assert.Equal(2, starts.Select(e => e.Pid).Distinct().Count());

        // Caps: one job per worker at a time, at most k2pow.max-pow (2 = the workers) services in k2pow, one reader per disk.
        foreach (var worker in jobs.GroupBy(e => e.Pid))
        {
            Assert.Equal(0, Overlaps(Intervals(worker.ToList(), "k2pow-job-start", e => e.Event is "k2pow-job-end" or "k2pow-job-failed", e => Group(e).ToString(CultureInfo.InvariantCulture) + e.NodeId + e.Challenge), 1));
        }

        var k2powSpans = Intervals(services, "k2pow-start", e => e.Event == "k2pow-end", e => e.Dir + e.Challenge + e.Raw.GetProperty("pass").GetInt32().ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, Overlaps(k2powSpans, 2));
        foreach (var disk in services.Where(e => e.Event is "read-start" or "read-end").GroupBy(e => e.Raw.GetProperty("disk").GetString()))
        {
            Assert.Equal(0, Overlaps(Intervals(disk.ToList(), "read-start", e => e.Event == "read-end", e => e.Dir + e.Challenge + e.Raw.GetProperty("pass").GetInt32().ToString(CultureInfo.InvariantCulture)), 1));
        }

        // No worker idle while a job waited: for every job the router held before a worker took it, no worker had
        // been free (between its jobs, by its own record) for longer than a router poll plus a second in that time.
        var slack = RouterPoll + TimeSpan.FromSeconds(1);
        var free = jobs.GroupBy(e => e.Pid).SelectMany(w => FreeSpans(w.OrderBy(e => e.Time).ToList())).ToList();
        var waited = pool["router"]!["done"]!.AsArray()
            .Select(j => (Queued: Time(j!["queuedAt"]), Dispatched: Time(j["dispatchedAt"])))
            .Where(j => j.Dispatched - j.Queued > slack)
            .ToList();
        var idleWhileWaiting = waited.Count(j => free.Any(f => f.From + slack < j.Dispatched - slack && f.To > j.Queued + slack && Min(f.To, j.Dispatched) - Max(f.From, j.Queued) > slack));
        Assert.True(idleWhileWaiting == 0, $"{idleWhileWaiting} of {waited.Count} waiting jobs had a worker free meanwhile");
        Assert.Equal(0, pool["router"]!["counters"]!["idleWhileWaiting"]!.GetValue<long>());
        Assert.Equal(0, pool["router"]!["counters"]!["redispatched"]!.GetValue<long>());
        Assert.All(pool["router"]!["workers"]!.AsArray(), w => Assert.True(w!["learnedHashRate"]!.GetValue<double>() > 0));
    }

    [Fact]
    public async Task Worker_killed_mid_job_its_service_finishes_on_the_other_worker()
    {
        await using var fleet = await SimFleet.CreateAsync(PoolFleet([("a1", "diskA"), ("b1", "diskB")], 3));
        await fleet.StartNodeAsync();
        var daemon = fleet.StartDaemon("--listen", DaemonApi.ListenArgument);
        using var api = await DaemonApi.ConnectAsync(daemon);

        // The victim is a job the router saw the worker accept: killed before its accept reached the router, the job
        // was never the worker's as far as the router knows (a failed dispatch, sent on, neither lost nor redispatched).
        var victim = await Eventually.UntilAsync(
            async () =>
            {
                var running = (await PoolAsync(api))["router"]!["workers"]!.AsArray()
                    .Select(w => w!["job"]).Where(j => j?["state"]?.GetValue<string>() == "running").ToList();
                return fleet.K2PowRecord().FirstOrDefault(e => e.Event == "k2pow-job-start"
                    && running.Any(j => j!["miner"]!.GetValue<string>() == e.NodeId && j["group"]!.GetValue<int>() == Group(e)));
            },
            () => "the router to see a worker running a job; " + fleet.Describe(), TimeSpan.FromSeconds(120));
        Assert.Equal(0, Posix.Kill(victim.Pid, Posix.SigKill));

        var owner = fleet.NodeIdOf("a1") == victim.NodeId ? "a1" : "b1";
        await fleet.WaitForDeliveriesAsync(["a1", "b1"], 1, TimeSpan.FromMinutes(3));

        // The lost job was computed again by a live worker, and the killed one never finished it.
        var record = fleet.K2PowRecord();
        bool SameJob(SimEvent e) => e.NodeId == victim.NodeId && e.Challenge == victim.Challenge && Group(e) == Group(victim);
        Assert.DoesNotContain(record, e => e.Event == "k2pow-job-end" && e.Pid == victim.Pid);
        var redone = record.Single(e => e.Event == "k2pow-job-end" && SameJob(e));
        Assert.NotEqual(victim.Pid, redone.Pid);
        Assert.True(redone.Time > victim.Time);
        Assert.DoesNotContain(fleet.ServiceEvents(owner), e => e.Event == "proof-failed");

        var pool = await PoolAsync(api);
        Assert.True(pool["router"]!["counters"]!["lost"]!.GetValue<long>() >= 1);
        Assert.True(pool["router"]!["counters"]!["redispatched"]!.GetValue<long>() >= 1);
        Assert.Contains(pool["router"]!["done"]!.AsArray(), j => j!["miner"]!.GetValue<string>() == victim.NodeId && j["group"]!.GetValue<int>() == Group(victim) && j["dispatches"]!.GetValue<int>() == 2 && j["status"]!.GetValue<int>() == 200);

        // The killed managed worker is started again (restart-backoff) and is healthy.
        Func<Task<bool>> restarted = async () =>
        {
            var workers = (await PoolAsync(api))["router"]!["workers"]!.AsArray();
            return workers.Any(w => w!["process"]?["restarts"]?.GetValue<int>() >= 1) && workers.All(w => w!["healthy"]?.GetValue<bool>() == true);
        };
        await Eventually.UntilAsync(restarted, "the killed worker restarted and healthy", Eventually.DefaultTimeout);
    }

    [Fact]
    public async Task Daemon_killed_with_jobs_on_the_router_restarts_and_every_pass_completes()
    {
        string[] names = ["a1", "b1"];
        await using var fleet = await SimFleet.CreateAsync(PoolFleet([("a1", "diskA"), ("b1", "diskB")], 2));
        await fleet.StartNodeAsync();
        var daemon = fleet.StartDaemon("--listen", DaemonApi.ListenArgument);
        using (var api = await DaemonApi.ConnectAsync(daemon))
        {
            // Both workers took jobs the router dispatched (2 services × 4 groups), and the router still holds some.
            await Eventually.UntilAsync(
                () => fleet.K2PowRecord().Where(e => e.Event == "k2pow-job-start").Select(e => e.Pid).Distinct().Count() == 2,
                () => "both workers to take a job; " + fleet.Describe(), TimeSpan.FromSeconds(120));
            var router = (await PoolAsync(api))["router"]!;
            var held = router["queue"]!.AsArray().Count + router["workers"]!.AsArray().Count(w => w!["job"] is not null);
            Assert.True(held >= 1, router.ToJsonString());
        }

        var workers = fleet.K2PowRecord().Where(e => e.Event == "k2pow-job-start").Select(e => e.Pid).ToHashSet();
        var posts = names.ToDictionary(n => n, n => fleet.ServiceEvents(n).Where(e => e.Event == "started").Select(e => e.Pid).ToList());
        daemon.Signal(Posix.SigKill);
        await daemon.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var killedAt = DateTimeOffset.UtcNow;

        // Router away: the workers finish what they hold and keep the results; the post-services retry forever.
        var finishedAway = await Eventually.UntilAsync(() => Task.FromResult(fleet.K2PowRecord().FirstOrDefault(e => e.Event == "k2pow-job-end" && e.Time > killedAt)),
            "a worker to finish a job while the router is away", TimeSpan.FromSeconds(60));
        var restarted = fleet.StartDaemon("--listen", DaemonApi.ListenArgument);
        using var again = await DaemonApi.ConnectAsync(restarted);
        await fleet.WaitForDeliveriesAsync(names, 1, TimeSpan.FromMinutes(3));

        // Every pass asked for finished its k2pow in the run that asked: no proof failed, no post-service restarted,
        // no worker replaced (the same two processes, adopted), and every group of every pass was computed.
        foreach (var name in names)
        {
            Assert.DoesNotContain(fleet.ServiceEvents(name), e => e.Event == "proof-failed");
            Assert.Equal(posts[name], fleet.ServiceEvents(name).Where(e => e.Event == "started").Select(e => e.Pid).ToList());
            var passes = fleet.ServiceEvents(name).Where(e => e.Event == "k2pow-start").Select(e => e.Raw.GetProperty("pass").GetInt32()).ToList();
            Assert.All(passes, pass => Assert.Contains(fleet.ServiceEvents(name), e => e.Event == "k2pow-end" && e.Raw.GetProperty("pass").GetInt32() == pass));
        }

        var record = fleet.K2PowRecord();
        Assert.Subset(workers, record.Where(e => e.Event == "k2pow-job-start").Select(e => e.Pid).ToHashSet());
        foreach (var service in fleet.ServiceRecord().Where(e => e.Event == "k2pow-end"))
        {
            var pass = service.Raw.GetProperty("pass").GetInt32();
            for (var group = pass * Groups; group < (pass + 1) * Groups; group++)
            {
                Assert.Contains(record, e => e.Event == "k2pow-job-end" && e.NodeId == service.NodeId && e.Challenge == service.Challenge![..16] && Group(e) == group);
            }
        }

        var pool = await PoolAsync(again);
        Assert.All(pool["router"]!["workers"]!.AsArray(), w => Assert.Equal(0, w!["process"]?["restarts"]?.GetValue<int>() ?? 0));

        // The job a worker finished while the router was away reached its service through the new router: answered
        // from that worker's memory when dispatched to it again, or computed again by the other.
        Assert.Contains(pool["router"]!["done"]!.AsArray(), j => j!["miner"]!.GetValue<string>() == finishedAway.NodeId
            && j["group"]!.GetValue<int>() == Group(finishedAway) && j["status"]!.GetValue<int>() == 200);
    }

    private static async Task<JsonNode> PoolAsync(HttpClient api)
    {
        var response = await api.GetAsync("/api/v1/k2pow");
        Assert.True(response.IsSuccessStatusCode, $"GET /api/v1/k2pow: {(int)response.StatusCode}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }


    private static int Group(SimEvent e) => e.Raw.GetProperty("group").GetInt32();

    private static DateTimeOffset Time(JsonNode? node) => DateTimeOffset.Parse(node!.GetValue<string>(), CultureInfo.InvariantCulture);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>(start, end) of each span opened by <paramref name="start"/> and closed by the matching end, by key.</summary>
    internal static List<(DateTimeOffset From, DateTimeOffset To)> Intervals(IReadOnlyList<SimEvent> events, string start, Func<SimEvent, bool> isEnd, Func<SimEvent, string> key)
    {
        var open = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var spans = new List<(DateTimeOffset, DateTimeOffset)>();
        foreach (var e in events.OrderBy(e => e.Time))
        {
            if (e.Event == start)
            {
                open[key(e)] = e.Time;
            }
            else if (isEnd(e) && open.Remove(key(e), out var from))
            {
                spans.Add((from, e.Time));
            }
        }

        return spans;
    }

    /// <summary>Moments where more than <paramref name="cap"/> spans are open at once.</summary>
    internal static int Overlaps(List<(DateTimeOffset From, DateTimeOffset To)> spans, int cap)
    {
        var points = spans.SelectMany(s => new[] { (At: s.From, Delta: 1), (At: s.To, Delta: -1) }).OrderBy(p => p.At).ThenBy(p => p.Delta);
        var open = 0;
        var over = 0;
        foreach (var (_, delta) in points)
        {
            open += delta;
            over += open > cap ? 1 : 0;
        }

        return over;
    }

    /// <summary>A worker's free spans between its jobs (from its first start).</summary>
    private static IEnumerable<(DateTimeOffset From, DateTimeOffset To)> FreeSpans(IReadOnlyList<SimEvent> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Event is "k2pow-job-end" or "k2pow-job-failed")
            {
                var next = events.Skip(i + 1).FirstOrDefault(e => e.Event == "k2pow-job-start");
                yield return (events[i].Time, next?.Time ?? DateTimeOffset.MaxValue);
            }
        }
    }
}
