using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using PostFleet.Core.Configuration;
using PostFleet.Daemon.K2Pow;
using PostFleet.Daemon.Tests.Fakes;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The k2pow router against workers that speak k2pow-service's HTTP contract on 127.0.0.1; each router round is
/// run by the test (TickAsync), so what the router did after each round is checked exactly.
/// </summary>
public sealed class K2PowRouterTests
{
    internal static readonly string MinerA = new('a', 64);
    internal static readonly string MinerB = new('b', 64);
    private const string Challenge = "0102030405060708";
    private static readonly string Difficulty = "00" + new string('f', 62);

    /// <summary>Group <paramref name="group"/> of a pass of <paramref name="miner"/> (also the pool page's browser test).</summary>
    internal static K2PowJobKey Job(string miner, int group) => new(miner, group, Challenge, Difficulty);

    private static K2PowRouter Router(HttpClient http, params FakeK2PowWorker[] workers) =>
        new(workers.Select((w, i) => new K2PowWorkerSpec($"w{i + 1}", w.Url, 1, null, false)), new WorkerClient(http), TimeProvider.System, NullLogger.Instance);

    [Fact]
    public async Task Jobs_wait_in_the_planners_order_and_each_goes_to_one_free_worker()
    {
        await using var w1 = await FakeK2PowWorker.StartAsync();
        await using var w2 = await FakeK2PowWorker.StartAsync();
        using var http = new HttpClient();
        var router = Router(http, w1, w2);
        router.SetPriorities(new Dictionary<string, JobPriority> { [MinerA] = new("a", 1), [MinerB] = new("b", 0) });

        // Every ask is accepted at once, whatever the workers are doing.
        Assert.Equal(201, router.Answer(Job(MinerA, 0)).Status);
        Assert.Equal(201, router.Answer(Job(MinerA, 1)).Status);
        Assert.Equal(201, router.Answer(Job(MinerB, 1)).Status);
        Assert.Equal(201, router.Answer(Job(MinerB, 0)).Status);
        await router.TickAsync(CancellationToken.None);

        // b is due first: its two groups run, one per worker; a's wait in the router, not at a worker.
        Assert.Equal([Job(MinerB, 0).Path, Job(MinerB, 1).Path], new[] { w1.InProgress, w2.InProgress }.Order());
        Assert.Equal(2, router.Snapshot().Queue.Count);

        var first = w1.InProgress!;
        w1.Finish(first, 200, "123456789");
        await router.TickAsync(CancellationToken.None);

        // The worker that finished takes the next job in order at once, and the result is the worker's, unchanged.
        Assert.Equal(Job(MinerA, 0).Path, w1.InProgress);
        var done = first == Job(MinerB, 0).Path ? Job(MinerB, 0) : Job(MinerB, 1);
        Assert.Equal((200, "123456789"), router.Answer(done));
        Assert.Equal((200, "123456789"), router.Answer(done));
        Assert.Single(router.Snapshot().Queue);
        Assert.Equal(0, router.Counters.IdleWhileWaiting);
        Assert.Equal(3, w1.Taken.Count + w2.Taken.Count);
    }

    [Fact]
    public async Task A_workers_500_reaches_the_service_unchanged()
    {
        await using var w1 = await FakeK2PowWorker.StartAsync();
        using var http = new HttpClient();
        var router = Router(http, w1);
        router.Answer(Job(MinerA, 3));
        await router.TickAsync(CancellationToken.None);

        w1.Finish(Job(MinerA, 3).Path, 500, "proof of work not found");
        await router.TickAsync(CancellationToken.None);

        Assert.Equal((500, "proof of work not found"), router.Answer(Job(MinerA, 3)));
        Assert.Equal(1, router.Counters.Failed);
    }

    [Fact]
    public async Task A_dead_workers_job_goes_to_another_and_the_worker_is_unhealthy()
    {
        var w1 = await FakeK2PowWorker.StartAsync();
        await using var w2 = await FakeK2PowWorker.StartAsync();
        using var http = new HttpClient();
        var router = Router(http, w1, w2);
        router.Answer(Job(MinerA, 0));
        router.Answer(Job(MinerA, 1));
        await router.TickAsync(CancellationToken.None);
        var lost = w1.InProgress!;
        var other = w2.InProgress!;
        w2.Finish(other, 200, "7");
        await w1.DieAsync();

        await router.TickAsync(CancellationToken.None);

        // The job w1 held is queued again and taken by w2 in the same round.
        Assert.Equal(lost, w2.InProgress);
        var snapshot = router.Snapshot();
        Assert.False(snapshot.Workers[0].Healthy);
        Assert.Equal(1, snapshot.Workers[0].JobsLost);
        Assert.Equal((1, 1), (router.Counters.Lost, router.Counters.Redispatched));
        w2.Finish(lost, 200, "8");
        await router.TickAsync(CancellationToken.None);
        Assert.Equal((200, "8"), router.Answer(lost == Job(MinerA, 0).Path ? Job(MinerA, 0) : Job(MinerA, 1)));
    }

    [Fact]
    public async Task A_worker_busy_with_a_job_from_before_a_restart_is_found_running_it()
    {
        await using var w1 = await FakeK2PowWorker.StartAsync();
        using var http = new HttpClient();
        var router = Router(http, w1);
        w1.AlreadyRunning(Job(MinerB, 5).Path);

        // After the restart the services ask again: b's group 5 (which w1 runs) and a's group 0 (queued first by rank).
        router.SetPriorities(new Dictionary<string, JobPriority> { [MinerA] = new("a", 0), [MinerB] = new("b", 1) });
        router.Answer(Job(MinerA, 0));
        router.Answer(Job(MinerB, 5));
        await router.TickAsync(CancellationToken.None);

        var snapshot = router.Snapshot();
        Assert.Equal(Job(MinerB, 5).Path, w1.InProgress);
        Assert.Equal("running", snapshot.Workers[0].Job!.State);
        Assert.Equal(5, snapshot.Workers[0].Job!.Group);
        Assert.Equal("a", Assert.Single(snapshot.Queue).Service);
        Assert.Empty(w1.Taken); // it was never given a second job while busy
    }

    [Theory]
    [InlineData("127.0.0.1", null, null, true)]
    [InlineData("::1", null, null, true)]
    [InlineData("10.0.0.5", null, null, true)]
    [InlineData("10.0.1.5", null, null, false)]
    [InlineData("::ffff:10.0.0.9", null, null, true)]
    [InlineData("127.0.0.1", "http://evil.example", null, false)]
    [InlineData("127.0.0.1", null, "cross-site", false)]
    [InlineData("127.0.0.1", null, "none", true)]
    public void The_listener_serves_post_services_only(string client, string? origin, string? fetchSite, bool served)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(client);
        if (origin is not null)
        {
            context.Request.Headers.Origin = origin;
        }

        if (fetchSite is not null)
        {
            context.Request.Headers["Sec-Fetch-Site"] = fetchSite;
        }

        Assert.Equal(served, RouterListener.Refusal(context, [IPNetwork.Parse("10.0.0.0/24")]) is null);
    }
}
