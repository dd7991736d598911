using PostFleet.Core.Configuration;
using PostFleet.Core.Forecast;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Runs;
using PostFleet.Core.Timeline;
using PostFleet.Daemon.Loop;

namespace PostFleet.Daemon.View;

/// <summary>Turns one pass (what was seen, decided and done) into the API's view of the fleet.</summary>
internal static class FleetViewBuilder
{
    public static FleetView Build(PassReport pass, bool paused, IReadOnlyDictionary<string, uint> lastDelivered, PassForecast? forecast = null)
    {
        var fleet = pass.Fleet;
        var observation = pass.Observation;
        var timeline = pass.Timeline;
        // Each service's run and decision looked up, not searched for: a list scan per service is O(identities²).
        var runs = new Dictionary<string, RuntimeInstance>(StringComparer.Ordinal);
        foreach (var run in observation.Runs)
        {
            if (!runs.TryGetValue(run.ServiceName, out var other) || Newer(run, other))
            {
                runs[run.ServiceName] = run;
            }
        }

        var decisions = new Dictionary<string, Decision>(StringComparer.Ordinal);
        foreach (var decision in pass.Plan.Decisions)
        {
            decisions.TryAdd(decision.ServiceName, decision);
        }

        var ledger = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
        foreach (var record in pass.Runs.Live.Values)
        {
            if (!ledger.TryGetValue(record.Service, out var other) || record.StartedAt > other.StartedAt)
            {
                ledger[record.Service] = record;
            }
        }

        var services = fleet.Services.Select(s => Service(s, pass, runs.GetValueOrDefault(s.Name), decisions.GetValueOrDefault(s.Name), ledger.GetValueOrDefault(s.Name), lastDelivered)).ToList();
        if (forecast is not null)
        {
            services = WithFinishEstimates(services, pass, forecast);
        }

        return new FleetView(
            observation.At,
            pass.Number,
            paused,
            new NodeView(observation.NodeReachable, observation.NodeError, fleet.Node.PostListener.ToString(), observation.Identities.Count)
            {
                Synced = observation.NodeSynced,
                Restart = pass.Plan.Next.NodeRestart is { } restart ? new NodeRestartView(restart.Since, restart.Kept, restart.Describe()) : null,
            },
            timeline is null ? null : Network(timeline, observation.At),
            Layout.Of(fleet).Disks,
            services,
            Layout.Of(fleet).Edges,
            new ScheduleView(fleet.Schedule.PerDisk, fleet.Schedule.MaxPow, fleet.Schedule.MaxRunning),
            new FleetSummaryView(
                services.Count,
                Proving: services.Count(s => s.NodeState == "PROVING"),
                Running: services.Count(s => s.RunningSince is not null),
                K2Pow: services.Count(s => s.DagState == "k2pow"),
                Reading: services.Count(s => s.DagState == "reading"),
                Delivered: services.Count(s => s.DagState == "delivered"),
                Failed: services.Count(s => s.DagState == "failed")))
        {
            Nodes = Nodes(pass),
        };
    }

    /// <summary>Each node with its own reachability, identities, clock and cycle gap.</summary>
    private static List<NodeView> Nodes(PassReport pass)
    {
        var observation = pass.Observation;
        if (observation.Nodes.Count == 0)
        {
            var timeline = pass.Timeline;
            return [new NodeView(observation.NodeReachable, observation.NodeError, pass.Fleet.Node.PostListener.ToString(), observation.Identities.Count)
            {
                Name = pass.Fleet.Node.Name,
                Synced = observation.NodeSynced,
                Network = timeline is null ? null : Network(timeline, observation.At),
            }];
        }

        return [.. observation.Nodes.Select(n => new NodeView(n.Reachable, n.Error, pass.Fleet.NodeNamed(n.Name).PostListener.ToString(), n.Identities.Count)
        {
            Name = n.Name,
            Synced = n.Synced,
            Network = pass.TimelineOf(n.Name) is { } timeline ? Network(timeline, observation.At) : null,
        })];
    }

    internal static NetworkView Network(NetworkTimeline timeline, DateTimeOffset now)
    {
        var gap = timeline.CurrentOrNextCycleGap(now);
        var due = timeline.ProvingCycleGap(now);
        return new NetworkView(
            timeline.Clock.Genesis,
            timeline.Clock.LayerDuration.TotalSeconds,
            timeline.Clock.LayersPerEpoch,
            timeline.Clock.LayerAt(now),
            timeline.Clock.EpochAt(now),
            new CycleGapView(gap.PublishEpoch, gap.Opens, gap.NextChallengeAt, gap.Closes, gap.ProofDeadline, gap.IsOpen(now)))
        {
            ProofsDue = new ProofsDueView(due.PublishEpoch, due.ProofDeadline, GapClosed: now >= due.Closes),
        };
    }

    /// <summary>The run a service shows: a live one before an ended one, then the latest started.</summary>
    private static bool Newer(RuntimeInstance run, RuntimeInstance than) =>
        run.Running != than.Running ? run.Running : run.StartedAt > than.StartedAt;

    private static ServiceView Service(ServiceSpec spec, PassReport pass, RuntimeInstance? run, Decision? decision, RunRecord? liveRun, IReadOnlyDictionary<string, uint> lastDelivered)
    {
        var observation = pass.Observation;
        var running = run is { Running: true };
        observation.Statuses.TryGetValue(spec.Name, out var status);
        var phase = ServicePhases.Of(status, running);
        var nodeState = observation.Identities.TryGetValue(spec.Name, out var identity) ? identity.State : (NodePostState?)null;
        var memory = pass.Plan.Next.For(spec.Name);
        var proving = status as ServiceStatus.Proving;
        var facts = pass.Runs.For(spec.Name);
        return new ServiceView(
            spec.Name,
            spec.Disk,
            spec.NumUnits,
            spec.OperatorAddress,
            spec.After,
            NodeStateName(nodeState),
            PhaseName(phase),
            DagState(phase, nodeState, memory.Delivered, facts.Failed),
            proving?.NonceStart,
            proving?.NonceEnd,
            proving?.Position,
            ServicePhases.DataBytes(spec, pass.Fleet.Post),
            ServicePhases.ReadFraction(status, spec, pass.Fleet.Post),
            running ? run!.StartedAt : null,
            run?.InstanceId,
            run?.LogPath,
            decision?.Code.ToString(),
            decision?.Reason,
            lastDelivered.TryGetValue(spec.Name, out var epoch) ? epoch : null)
        {
            Restarts = memory.Restarts,
            K2PowSeconds = memory.LastK2Pow?.TotalSeconds,
            ReadRate = liveRun?.OpenPhase is { Kind: RunPhaseKind.Read, Rate: { } rate } ? rate : memory.LastReadRate,
            LastProofSeconds = facts.LastProofSeconds,
            LastDeliveredAt = facts.LastDeliveredAt,
            Problem = observation.Problems.TryGetValue(spec.Name, out var problem) ? Problem(problem) : null,
            Node = pass.Fleet.NodeOf(spec).Name,
        };
    }

    private static ServiceProblemView Problem(ServiceProblem p) => new(
        p.Kind switch
        {
            ServiceProblemKind.CannotConnect => "cannot-connect",
            ServiceProblemKind.RegisterRefused => "register-refused",
            _ => "exited",
        },
        p.Summary,
        p.Hint,
        p.LogLine,
        p.Repeats);

    /// <summary>Fills <see cref="ServiceView.EstimatedFinish"/> for every proof still to come (see <see cref="FinishEstimates"/>).</summary>
    private static List<ServiceView> WithFinishEstimates(List<ServiceView> services, PassReport pass, PassForecast forecast)
    {
        var stages = new Dictionary<string, ProofStage>(StringComparer.Ordinal);
        foreach (var s in services)
        {
            if (Stage(s, pass.Plan.Next.For(s.Name)) is { } stage)
            {
                stages[s.Name] = stage;
            }
        }

        var finish = FinishEstimates.Of(pass.Fleet, stages, forecast.Known, forecast.Hardware, forecast.Forecast, forecast.Proving?.Opens, pass.Observation.At);
        return [.. services.Select(s => finish.TryGetValue(s.Name, out var end) ? s with { EstimatedFinish = end } : s)];
    }

    /// <summary>
    /// Only proofs the node still waits for: a run between start and its read, a read, or none yet. The loop
    /// times only a run's first read (nonces from 0); a later pass's read is not timed from then.
    /// </summary>
    internal static ProofStage? Stage(ServiceView s, ServiceMemory memory) => s.DagState switch
    {
        "reading" => new ProofStage.Reading(s.Position ?? 0, s.NonceStart == 0 ? memory.ReadStartedAt : null),
        "k2pow" or "waiting" when s.RunningSince is { } started => new ProofStage.InK2Pow(started),
        "waiting" => new ProofStage.Waiting(),
        _ => null,
    };

    /// <summary>waiting, k2pow, reading, done, delivered, failed or idle: the colour of the service in the proving DAG.</summary>
    internal static string DagState(ServicePhase phase, NodePostState? node, bool delivered, bool failed) => (phase, node) switch
    {
        _ when failed && node == NodePostState.Proving => "failed",
        (ServicePhase.K2Pow, _) => "k2pow",
        (ServicePhase.Reading, _) => "reading",
        (ServicePhase.DoneProving, _) => "done",
        _ when delivered => "delivered",
        (_, NodePostState.Proving) => "waiting",
        _ => "idle",
    };

    /// <summary>The node's word for the state (a constant, not a string made per service per pass).</summary>
    private static string? NodeStateName(NodePostState? state) => state switch
    {
        NodePostState.Idle => "IDLE",
        NodePostState.Proving => "PROVING",
        null => null,
        _ => state.Value.ToString().ToUpperInvariant(),
    };

    private static string PhaseName(ServicePhase phase) => phase switch
    {
        ServicePhase.NotRunning => "not-running",
        ServicePhase.K2Pow => "k2pow",
        ServicePhase.DoneProving => "done-proving",
        _ => phase.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// The disks and the DAG's edges follow from the config alone: built once per config (not per pass), so a pass's
    /// view shares them with the last one's and the event stream sees by reference that they did not change.
    /// </summary>
    private sealed record Layout(IReadOnlyList<DiskView> Disks, IReadOnlyList<DagEdgeView> Edges)
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<FleetSpec, Layout> Built = [];

        public static Layout Of(FleetSpec fleet) => Built.GetValue(fleet, f => new Layout(
            [.. f.Disks.Select(d => new DiskView(d.Name, [.. d.Services.Select(s => s.Name)]) { Host = d.Host })],
            FleetViewBuilder.Edges(f)));
    }

    /// <summary>The proving DAG's edges: the order on each disk, and the explicit `after` dependencies.</summary>
    internal static IReadOnlyList<DagEdgeView> Edges(FleetSpec fleet)
    {
        var edges = new List<DagEdgeView>();
        foreach (var disk in fleet.Disks)
        {
            edges.AddRange(disk.Services.Zip(disk.Services.Skip(1), (a, b) => new DagEdgeView(a.Name, b.Name, "disk-order")));
        }

        edges.AddRange(fleet.Services.SelectMany(s => s.After.Select(a => new DagEdgeView(a, s.Name, "after"))));
        return edges;
    }
}
