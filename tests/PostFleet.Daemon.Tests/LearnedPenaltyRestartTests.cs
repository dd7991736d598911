using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;
using PostFleet.Daemon.Loop;
using PostFleet.Storage;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The two-reader penalty a daemon learned is in its history, and the next daemon plans with it: diskA was seen to
/// lose nothing with two readers, so a pipelined successor with a short k2pow is timed to the reader's end (on the
/// assumed 0.5 it would wait for the disk: a failed pass would read it again alongside). Pipelined, 128 nonces (a
/// pass fails with 4.3% chance); a's read of 65,536 bytes at 400 B/s has 100 s left; a2's k2pow takes 5 s.
/// </summary>
public sealed class LearnedPenaltyRestartTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_restarted_daemon_plans_with_the_two_reader_penalty_it_learned_before()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("state", "history.db");
        var spec = Spec();

        // The first daemon: a's pass read alone at 400 B/s and beside a2 at 200 B/s each, so p = 400 ÷ (2 × 200) − 1 = 0.
        using (var history = FleetHistory.Open(path))
        {
            var first = new LearnedEstimates(history, NullLogger.Instance);
            var before = first.InitialMemory();
            var learned = before with
            {
                Services = before.Services
                    .SetItem("a", ServiceMemory.Initial with { LastReadRate = 400, Sharing = new ReadSharing(4000, 10, 2000, 10) })
                    .SetItem("a2", ServiceMemory.Initial with { LastK2Pow = TimeSpan.FromSeconds(5) }),
            };
            first.Observe(spec, before, learned, T0);
            Assert.True(history.Flush());
        }

        using var reopened = FleetHistory.Open(path);
        var memory = new LearnedEstimates(reopened, NullLogger.Instance).InitialMemory();
        Assert.Equal(0, memory.Prior!.TwoReaderPenaltyOf("diskA"));

        var plan = Planner.Decide(spec, Snapshot(T0.AddMinutes(1)), memory, T0.AddMinutes(1));
        Assert.Contains("so its k2pow", plan.Decisions.Single(d => d.ServiceName == "a2").Reason, StringComparison.Ordinal);

        // Without the penalty (what a restart kept before it was stored), the same pass assumes 0.5 and does not pipeline.
        var assumed = memory with { Prior = memory.Prior with { TwoReaderPenalty = ImmutableDictionary<string, double>.Empty } };
        var without = Planner.Decide(spec, Snapshot(T0.AddMinutes(1)), assumed, T0.AddMinutes(1));
        Assert.Contains("not pipelining", without.Decisions.Single(d => d.ServiceName == "a2").Reason, StringComparison.Ordinal);
    }

    private static FleetSpec Spec()
    {
        var limits = new ScheduleLimits(1, 1, 0, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(80), ShutdownPolicy.LeaveRunning)
        {
            StartupGrace = TimeSpan.FromSeconds(30),
            Resync = TimeSpan.FromSeconds(5),
            Mode = ScheduleMode.Pipelined,
        };
        return new FleetSpec(
            new NodeSpec(new Uri("http://127.0.0.1:10094"), new Uri("http://127.0.0.1:10092"), new Uri("http://127.0.0.1:10093"), "/node",
                new PoetTimings(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(1)), null),
            new PostSettings("post-service", "postcli", 1024, 16, 26, 37, new string('f', 64), "light", 1, 128, 1, 32, null, 0),
            RuntimeKind.Process,
            limits,
            [new DiskSpec("diskA", [new ServiceSpec("a", "diskA", "/post/a", 4, "127.0.0.1:10051", [], 0), new ServiceSpec("a2", "diskA", "/post/a2", 4, "127.0.0.1:10052", [], 1)])],
            "/state");
    }

    private static FleetSnapshot Snapshot(DateTimeOffset now)
    {
        static IdentityState Proving(string name) =>
            new(name, new NodeId(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))), NodePostState.Proving);
        var run = new RuntimeInstance("a", "a@1", now.AddMinutes(-5), true, null, null);
        return new FleetSnapshot(
            now,
            true,
            new Dictionary<string, IdentityState> { ["a"] = Proving("a"), ["a2"] = Proving("a2") },
            new Dictionary<string, RuntimeInstance> { ["a"] = run },
            new Dictionary<string, ServiceStatus> { ["a"] = new ServiceStatus.Proving(0, 16, (4 * 1024 * 16) - 40_000) },
            [],
            UserIntents.None);
    }
}
