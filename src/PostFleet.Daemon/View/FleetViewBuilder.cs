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
        var runs = new Dictionary<string, RuntimeInstance>(observation.Runs.Count, StringComparer.Ordinal);
        foreach (var run in observation.Runs)
        {
            if (!runs.TryGetValue(run.ServiceName, out var other) || Newer(run, other))
            {
                runs[run.ServiceName] = run;
            }
        }

        // A start the runtime had not finished when it listed its runs is the service's run, starting, as the planner
        // counts it: without it a pass showed "not-running" while the new process was already building its prover.
        foreach (var start in pass.StartsUnderWay)
        {
            if (!runs.TryGetValue(start.ServiceName, out var listed) || !listed.Running)
            {
                runs[start.ServiceName] = start;
            }
        }

        var decisions = new Dictionary<string, Decision>(pass.Plan.Decisions.Length, StringComparer.Ordinal);
        foreach (var decision in pass.Plan.Decisions)
        {
            decisions.TryAdd(decision.ServiceName, decision);
        }

        var ledger = new Dictionary<string, RunRecord>(pass.Runs.Live.Count, StringComparer.Ordinal);
        foreach (var record in pass.Runs.Live.Values)
        {
            if (!ledger.TryGetValue(record.Service, out var other) || record.StartedAt > other.StartedAt)
            {
                ledger[record.Service] = record;
            }
        }

        // Each service's view is made once, with its finish estimate (a copy per service to add it was a quarter of
        // the view's allocations at 1,000 identities).
        var finish = forecast is null ? null : FinishEstimates(pass, runs, forecast);
        var services = new List<ServiceView>(fleet.Services.Length);
        foreach (var s in fleet.Services)
        {
            services.Add(Service(Facts(s, pass, runs.GetValueOrDefault(s.Name)), pass, decisions.GetValueOrDefault(s.Name), ledger.GetValueOrDefault(s.Name), lastDelivered, finish));
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

    /// <summary>What a service's view is drawn from in this pass, and the proving DAG's state it follows.</summary>
    private readonly record struct ServiceFacts(
        ServiceSpec Spec, RuntimeInstance? Run, ServiceStatus? Status, ServiceMemory Memory, ServicePhase Phase, NodePostState? NodeState, ServiceRunFacts Runs)
    {
        public bool Running => Run is { Running: true };

        public ServiceStatus.Proving? Proving => Status as ServiceStatus.Proving;

        public DateTimeOffset? RunningSince => Running ? Run!.StartedAt : null;

        public string DagState => FleetViewBuilder.DagState(Phase, NodeState, Memory.Delivered, Runs.Failed);
    }

    private static ServiceFacts Facts(ServiceSpec spec, PassReport pass, RuntimeInstance? run)
    {
        var observation = pass.Observation;
        var running = run is { Running: true };
        observation.Statuses.TryGetValue(spec.Name, out var status);
        var memory = pass.Plan.Next.For(spec.Name);
        var phase = ServicePhases.Of(status, running, RunStartup.IsStartingUp(run, status, memory, observation.At));
        var nodeState = observation.Identities.TryGetValue(spec.Name, out var identity) ? identity.State : (NodePostState?)null;
        return new ServiceFacts(spec, run, status, memory, phase, nodeState, pass.Runs.For(spec.Name));
    }

    private static ServiceView Service(
        ServiceFacts f, PassReport pass, Decision? decision, RunRecord? liveRun, IReadOnlyDictionary<string, uint> lastDelivered, IReadOnlyDictionary<string, DateTimeOffset>? finish)
    {
        var (spec, run, status, memory) = (f.Spec, f.Run, f.Status, f.Memory);
        var observation = pass.Observation;
        var proving = f.Proving;
        return new ServiceView(
            spec.Name,
            spec.Disk,
            spec.NumUnits,
            spec.OperatorAddress,
            Layout.Of(pass.Fleet).After[spec.Name],
            NodeStateName(f.NodeState),
            PhaseName(f.Phase),
            f.DagState,
            proving?.NonceStart,
            proving?.NonceEnd,
            proving?.Position,
            ServicePhases.DataBytes(spec, pass.Fleet.Post),
            ServicePhases.ReadFraction(status, spec, pass.Fleet.Post),
            f.RunningSince,
            run?.InstanceId,
            run?.LogPath,
            decision?.Code.ToString(),
            decision?.Reason,
            lastDelivered.TryGetValue(spec.Name, out var epoch) ? epoch : null)
        {
            Restarts = memory.Restarts,
            K2PowSeconds = memory.LastK2Pow?.TotalSeconds,
            ReadRate = liveRun?.OpenPhase is { Kind: RunPhaseKind.Read, Rate: { } rate } ? rate : memory.LastReadRate,
            LastProofSeconds = f.Runs.LastProofSeconds,
            LastDeliveredAt = f.Runs.LastDeliveredAt,
            Problem = observation.Problems.TryGetValue(spec.Name, out var problem) ? Problem(problem) : null,
            Node = pass.Fleet.NodeOf(spec).Name,
            EstimatedFinish = finish is not null && finish.TryGetValue(spec.Name, out var end) ? end : null,
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

    /// <summary>The finish estimate of every proof still to come (see <see cref="Core.Forecast.FinishEstimates"/>).</summary>
    private static IReadOnlyDictionary<string, DateTimeOffset> FinishEstimates(PassReport pass, Dictionary<string, RuntimeInstance> runs, PassForecast forecast)
    {
        var stages = new Dictionary<string, ProofStage>(pass.Fleet.Services.Length, StringComparer.Ordinal);
        foreach (var s in pass.Fleet.Services)
        {
            var f = Facts(s, pass, runs.GetValueOrDefault(s.Name));
            if (Stage(f.DagState, f.Proving?.Position, f.Proving?.NonceStart, f.RunningSince, f.Memory) is { } stage)
            {
                stages[s.Name] = stage;
            }
        }

        return Core.Forecast.FinishEstimates.Of(pass.Fleet, stages, forecast.Known, forecast.Hardware, forecast.Forecast, forecast.Proving?.Opens, pass.Observation.At);
    }

    /// <summary>
    /// Only proofs the node still waits for: a run between start and its read, a read, or none yet. The loop
    /// times only a run's first read (nonces from 0); a later pass's read is not timed from then.
    /// </summary>
    internal static ProofStage? Stage(string dagState, ulong? position, ulong? nonceStart, DateTimeOffset? runningSince, ServiceMemory memory) => dagState switch
    {
        "reading" => new ProofStage.Reading(position ?? 0, nonceStart == 0 ? memory.ReadStartedAt : null),
        "k2pow" or "waiting" when runningSince is { } started => new ProofStage.InK2Pow(started),
        "waiting" => ProofStage.Waiting.Now,
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

        /// <summary>Each service's `after` as the view holds it: one list per config, not one boxed per service per pass.</summary>
        public required IReadOnlyDictionary<string, IReadOnlyList<string>> After { get; init; }

        public static Layout Of(FleetSpec fleet) => Built.GetValue(fleet, f => new Layout(
            [.. f.Disks.Select(d => new DiskView(d.Name, [.. d.Services.Select(s => s.Name)]) { Host = d.Host })],
            FleetViewBuilder.Edges(f))
        {
            After = f.ServicesByName.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value.After, StringComparer.Ordinal),
        });
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
