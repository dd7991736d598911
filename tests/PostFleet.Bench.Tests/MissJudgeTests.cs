using System.Globalization;
using PostFleet.Bench.Soak;

namespace PostFleet.Bench.Tests;

/// <summary>The soak's classification of missed proofs, on records written by hand (time x60: 15 s epochs, a 7 s gap).</summary>
public sealed class MissJudgeTests
{
    private static readonly DateTimeOffset Epoch3 = DateTimeOffset.Parse("2026-12-05T01:00:00Z", CultureInfo.InvariantCulture);
    private static readonly SoakNetwork Network = new(
        new Dictionary<string, string> { ["b1"] = "diskB", ["b2"] = "diskB" },
        TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));

    /// <summary>PROVING of publish epoch P: 3 s into it (PS − CG); deadline: the next epoch's start.</summary>
    private static DateTimeOffset Proving(long epoch) => Epoch3.AddSeconds((15 * (epoch - 3)) + 3);

    private static SoakLine Request(string who, long epoch) => new("proof-requested", Proving(epoch), 0, who, null, "nipost", epoch, Epoch3.AddSeconds(15 * (epoch - 2)), null);

    private static SoakLine Delivered(string who, long epoch, double after) => new("proof-delivered", Proving(epoch).AddSeconds(after), 0, who, null, "nipost", epoch, null, null);

    private static SoakLine Service(string who, string what, long epoch, double after, int pid) => new(what, Proving(epoch).AddSeconds(after), pid, null, "/disks/diskB/" + who, null, null, null, null);

    /// <summary>Epoch 3: b1 and b2 each prove in 1 s of their own; b2's proof lands 7.4 s into the gap (it ends at 7 s), so epoch 4 has no request for b2.</summary>
    private static (List<SoakLine> Node, List<SoakLine> Services) LateSecondProof()
    {
        List<SoakLine> node = [Request("b1", 3), Request("b2", 3), Delivered("b1", 3, 2.0), Delivered("b2", 3, 7.4), Request("b1", 4), Delivered("b1", 4, 2.0)];
        List<SoakLine> services =
        [
            Service("b1", "started", 3, 1.0, 10), Service("b1", "proof-handed-over", 3, 2.0, 10),
            Service("b2", "started", 3, 6.3, 11), Service("b2", "proof-handed-over", 3, 7.3, 11),
        ];
        return (node, services);
    }

    [Fact]
    public void A_second_proof_late_for_the_next_round_with_no_fault_and_time_to_spare_is_a_defect()
    {
        var (node, services) = LateSecondProof();

        var miss = Assert.Single(new MissJudge(Network, node, services, []).Judge(3, 4));

        Assert.Equal((4L, "b2", false), (miss.Epoch, miss.Service, miss.Unavoidable));
        Assert.Contains("no fault held it back", miss.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_loss_is_unavoidable_when_a_node_restart_synced_too_late_or_the_services_own_work_filled_the_gap()
    {
        var (node, services) = LateSecondProof();
        var restart = new SoakFault("node-restart-sync", "node", Proving(3).AddSeconds(0.5), Proving(3).AddSeconds(4), "sync 210s of network time");

        var held = Assert.Single(new MissJudge(Network, node, services, [restart]).Judge(3, 4));
        Assert.True(held.Unavoidable);
        Assert.Equal("node-restart-left-too-little", held.Rule);

        // Launched long before their first line (a slow machine): their own work alone is more than the 7 s gap.
        var launches = new Dictionary<int, DateTimeOffset> { [10] = Proving(3).AddSeconds(0.1), [11] = Proving(3).AddSeconds(2.1) };
        var slow = Assert.Single(new MissJudge(Network, node, services, []) { Launches = launches }.Judge(3, 4));
        Assert.Equal("disk-work-exceeds-window", slow.Rule);
    }

    [Fact]
    public void A_disk_mate_crash_is_judged_by_what_the_disks_runs_took_after_it_when_that_was_more_than_their_turns()
    {
        // Seed 99, epoch 11: b1 killed in its read at 4 s; its second run took 5.2 s (failed passes re-entered k2pow),
        // so b2, started at once after it, could not make the 12 s deadline; their typical turns (3 s each) would have.
        List<SoakLine> node = [Request("b1", 3), Request("b2", 3), Delivered("b1", 3, 10.7)];
        List<SoakLine> services =
        [
            Service("b1", "started", 3, 1.0, 10), Service("b1", "started", 3, 5.4, 12), Service("b1", "proof-handed-over", 3, 10.6, 12),
            Service("b2", "started", 3, 10.8, 13),
        ];
        var kill = new SoakFault("kill-service-read", "b1", Proving(3).AddSeconds(4), Proving(3).AddSeconds(4), "pid 10");

        var miss = Assert.Single(new MissJudge(Network, node, services, [kill]).Judge(3, 3));

        Assert.Equal(("b2", true, "disk-mate-crashed-in-window"), (miss.Service, miss.Unavoidable, miss.Rule));
    }

    [Fact]
    public void A_challenge_built_and_then_given_up_while_the_node_restarted_is_no_defect()
    {
        // Seed 7, epoch 31: b2's challenge was built in time; the node restarted before its gap and synced past it.
        var epochStart = (long e) => Epoch3.AddSeconds(15 * (e - 3));
        List<SoakLine> node =
        [
            Request("b1", 5), Delivered("b1", 5, 2.0),
            new("challenge-built", epochStart(4).AddSeconds(9.1), 0, "b2", null, null, 5, null, null),
            new("challenge-stale", epochStart(5).AddSeconds(15.5), 0, "b2", null, null, 5, null, null),
        ];
        var restart = new SoakFault("node-restart-sync", "node", epochStart(5).AddSeconds(2), epochStart(5).AddSeconds(15), "sync 503s of network time");

        var miss = Assert.Single(new MissJudge(Network, node, [], [restart]).Judge(5, 5));

        Assert.Equal(("b2", true, "node-syncing-when-asked"), (miss.Service, miss.Unavoidable, miss.Rule));
        Assert.Single(new MissJudge(Network, node, [], []).Judge(5, 5), m => !m.Unavoidable); // without the restart: a defect
    }

    [Fact]
    public void A_node_clock_ahead_when_the_proof_came_skips_the_epoch_by_the_nodes_clock()
    {
        var (node, services) = LateSecondProof();
        node[3] = Delivered("b2", 3, 5.0); // in time by true time
        var jump = new SoakFault("node-clock-jump", "node", Proving(3).AddSeconds(4), Proving(3).AddSeconds(9), "+3.0s (3m of network time) for 5s");

        var miss = Assert.Single(new MissJudge(Network, node, services, [jump]).Judge(3, 4));

        Assert.Equal("node-clock-ahead-at-gap-end", miss.Rule);
        Assert.True(miss.Unavoidable);
    }
}
