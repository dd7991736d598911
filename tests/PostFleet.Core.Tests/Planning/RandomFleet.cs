using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;
using static PostFleet.Core.Tests.Planning.Fleet;

namespace PostFleet.Core.Tests.Planning;

/// <summary>
/// One random planner input: a small fleet, a snapshot and a memory drawn independently, so that states the
/// real loop would rarely reach (stale memory, adopted runs, odd statuses) are covered too.
/// </summary>
internal sealed record RandomCase(FleetSpec Spec, FleetSnapshot Snapshot, PlannerMemory Memory, DateTimeOffset Now)
{
    public static RandomCase Draw(Random random)
    {
        var now = T0.AddMinutes(random.Next(0, 600));
        var disks = Enumerable.Range(0, random.Next(1, 5))
            .Select(d => ($"disk{d}", Enumerable.Range(0, random.Next(1, 5)).Select(s => $"d{d}_post{s}").ToArray()))
            .ToArray();
        var names = disks.SelectMany(d => d.Item2).ToArray();

        // Dependencies only on services listed earlier: acyclic, as the loader guarantees.
        var after = new Dictionary<string, string[]>();
        for (var i = 1; i < names.Length; i++)
        {
            if (random.NextDouble() < 0.3)
            {
                after[names[i]] = [names[random.Next(i)]];
            }
        }

        var limits = Limits(
            perDisk: random.Next(1, 4),
            maxPow: random.Next(0, 4),
            maxRunning: random.Next(0, 6),
            noProgress: Pick(random, TimeSpan.Zero, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)));
        var spec = Fleet.Spec(limits, disks, after);

        var identities = new Dictionary<string, IdentityState>();
        var runs = new Dictionary<string, RuntimeInstance>();
        var statuses = new Dictionary<string, ServiceStatus>();
        var memory = ImmutableDictionary.CreateBuilder<string, ServiceMemory>();
        var events = new List<NodeEvent>();
        foreach (var name in names)
        {
            var roll = random.NextDouble();
            if (roll < 0.9)
            {
                identities[name] = new IdentityState(name, IdOf(name), roll < 0.45 ? NodePostState.Proving : NodePostState.Idle);
            }

            var run = DrawRun(random, name, now);
            if (run is not null)
            {
                runs[name] = run;
                if (run.Running && DrawStatus(random) is { } status)
                {
                    statuses[name] = status;
                }
            }

            if (random.NextDouble() < 0.8)
            {
                memory[name] = DrawMemory(random, name, run, statuses.GetValueOrDefault(name), now);
            }

            if (random.NextDouble() < 0.25)
            {
                events.Add(new NodeEvent.PostStarted(now.AddMinutes(-random.Next(0, 50)), IdOf(name), random.NextDouble() < 0.2 ? Zeros : Challenge));
            }

            if (random.NextDouble() < 0.2)
            {
                events.Add(new NodeEvent.PostCompleted(now.AddMinutes(-random.Next(0, 30)), IdOf(name), "00"));
            }
            else if (random.NextDouble() < 0.15)
            {
                events.Add(new NodeEvent.PostFailed(now.AddMinutes(-random.Next(0, 30)), IdOf(name), "Node failed PoST execution."));
            }
        }

        if (random.NextDouble() < 0.1)
        {
            runs["stray"] = Run("stray", now.AddHours(-1), running: random.NextDouble() < 0.5);
        }

        var intents = new UserIntents(Some(random, names, 0.08), Some(random, names, 0.08), Some(random, names, 0.08), Some(random, names, 0.08));
        var reachable = random.NextDouble() < 0.85;
        var snapshot = new FleetSnapshot(now, reachable, reachable ? identities : [], runs, statuses, events, intents)
        {
            // 15-minute epochs from a genesis 0..3 epochs back: deadlines of the drawn rounds fall before and after now.
            Timeline = random.NextDouble() < 0.8 ? new NetworkTimeline(new NetworkClock(T0.AddMinutes(-random.Next(0, 45)), TimeSpan.FromMinutes(1), 15), spec.Node.Poet) : null,
            Node = new NodeCondition(Pick<bool?>(random, null, true, false), random.NextDouble() < 0.3),
            Window = DrawWindow(random, now),
        };

        // Sometimes every listed identity IDLE, as a restarted node lists them.
        if (random.NextDouble() < 0.15 && reachable)
        {
            snapshot = snapshot with { Identities = identities.ToDictionary(kv => kv.Key, kv => kv.Value with { State = NodePostState.Idle }) };
        }

        var planner = new PlannerMemory(memory.ToImmutable())
        {
            NodeAway = random.NextDouble() < 0.2,
            NodeRestart = random.NextDouble() < 0.1 ? new NodeRestart(now.AddSeconds(-random.Next(0, 600)), "drawn", random.Next(1, 4)) : null,
            Prior = DrawPrior(random, names, disks.Select(d => d.Item1)),
        };

        // Drawn last, so the cases above stay what they were: a daemon that has not read the node's replay yet, and
        // replayed PoET waits that name an inherited round's publish epoch (some past their deadline).
        snapshot = snapshot with
        {
            EventReplayRead = random.NextDouble() < 0.6,
            NewEvents = [.. events, .. names.Where(_ => random.NextDouble() < 0.2).Select(n => new NodeEvent.PoetWaitProof(now.AddMinutes(-random.Next(1, 50)), IdOf(n), (uint)random.Next(1, 5), 0, now))],
        };
        return new RandomCase(spec, snapshot, planner, now);
    }

    /// <summary>Half the cases judge a window: a gap closing within 2 h, a deadline up to 4 h after it (a tight window makes proofs miss).</summary>
    private static CycleGapWindow? DrawWindow(Random random, DateTimeOffset now)
    {
        if (random.NextDouble() < 0.5)
        {
            return null;
        }

        var closes = now.AddMinutes(random.Next(0, 120));
        return new CycleGapWindow(2, closes.AddHours(-12), closes.AddHours(-1), closes, closes.AddMinutes(random.Next(0, 240)));
    }

    /// <summary>Learned durations: k2pow up to an hour, a read of 4 units (64 KiB here) up to 4 hours.</summary>
    private static ProvingEstimates? DrawPrior(Random random, string[] names, IEnumerable<string> disks)
    {
        if (random.NextDouble() < 0.4)
        {
            return null;
        }

        return new ProvingEstimates(
            names.ToImmutableDictionary(n => n, _ => TimeSpan.FromSeconds(random.Next(10, 3600))),
            disks.ToImmutableDictionary(d => d, _ => 65536.0 / random.Next(60, 14400)));
    }

    private static RuntimeInstance? DrawRun(Random random, string name, DateTimeOffset now)
    {
        var roll = random.NextDouble();
        var started = now.AddSeconds(-random.Next(0, 7200));
        return roll switch
        {
            < 0.45 => Run(name, started, running: true, id: $"{name}#{random.Next(3)}"),
            < 0.55 => Run(name, started, running: false, id: $"{name}#{random.Next(3)}"),
            _ => null,
        };
    }

    private static ServiceStatus? DrawStatus(Random random) => random.Next(7) switch
    {
        0 => null,
        1 => new ServiceStatus.Idle(),
        2 => new ServiceStatus.Unreachable("refused"),
        3 => new ServiceStatus.DoneProving(),
        4 => Proving(0, (ulong)random.Next(3) * 16),
        _ => Proving((ulong)random.Next(1, 3) << 20, (ulong)random.Next(3) * 16),
    };

    private static ServiceMemory DrawMemory(Random random, string name, RuntimeInstance? run, ServiceStatus? status, DateTimeOffset now) => new()
    {
        Id = random.NextDouble() < 0.8 ? IdOf(name) : null,
        LastNodeState = Pick<NodePostState?>(random, null, NodePostState.Idle, NodePostState.Proving),
        ProvingSince = random.NextDouble() < 0.7 ? now.AddMinutes(-random.Next(0, 60)) : null,
        IdleSince = random.NextDouble() < 0.5 ? now.AddSeconds(-random.Next(0, 60)) : null,
        Delivered = random.NextDouble() < 0.3,
        RanThisRound = random.NextDouble() < 0.5,
        RunId = random.NextDouble() < 0.7 ? run?.InstanceId : $"{name}#old",
        Progress = random.NextDouble() < 0.6 && status is ServiceStatus.Proving p ? ProgressMark.Of(p) : random.NextDouble() < 0.5 ? new ProgressMark(0, 16, 5) : null,
        ProgressChangedAt = random.NextDouble() < 0.9 ? now.AddMinutes(-random.Next(0, 120)) : null,
        Restarts = random.Next(0, 5),
        BackoffUntil = random.NextDouble() < 0.3 ? now.AddSeconds(random.Next(-60, 60)) : null,
        StopRequestedAt = random.NextDouble() < 0.15 ? now.AddSeconds(-random.Next(0, 60)) : null,
        StopRequestedFor = StopReason.Delivered,
        RoundChallengeHex = Pick<string?>(random, null, Zeros, Challenge, Challenge),
        RunHoldsWork = random.NextDouble() < 0.5,
        HandedOver = random.NextDouble() < 0.15,
        DeliveredBy = Pick<DeliveryEvidence?>(random, null, DeliveryEvidence.PostComplete, DeliveryEvidence.HandedOver),
    };

    private static readonly string Zeros = new('0', 64);
    private static readonly string Challenge = "ab" + new string('1', 62);

    private static ImmutableHashSet<string> Some(Random random, string[] names, double p) =>
        [.. names.Where(_ => random.NextDouble() < p)];

    private static T Pick<T>(Random random, params T[] values) => values[random.Next(values.Length)];
}
