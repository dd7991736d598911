using PostFleet.Daemon.Loop;
using PostFleet.Daemon.View;
using Prometheus;

namespace PostFleet.Daemon.Web.Metrics;

/// <summary>
/// Prometheus metrics derived only from the FleetView, on a registry of its own (several daemons or tests in one
/// process must not share the static default registry). The loop calls <see cref="ObservePass"/> after each pass;
/// the web host also calls <see cref="Publish"/> on every Updated so gauges are right before the loop is wired.
/// The gauges are set from the newest view when /metrics is scraped, not per pass: a 1,000-identity fleet runs
/// ten passes a second and a scraper asks every fifteen, and each pass set thousands of labelled gauges for nobody.
/// </summary>
public sealed class FleetMetrics
{
    public static readonly IReadOnlyList<string> Phases = ["not-running", "starting", "k2pow", "reading", "done-proving", "idle", "unreachable"];

    /// <summary>
    /// Pass wall time, finest where the loop's goals lie (tens of milliseconds: a quantile is interpolated within a
    /// bucket, and doubling buckets put 40 and 80 ms in one), then doubling up to half a minute for a stuck pass.
    /// </summary>
    private static readonly double[] PassBuckets =
        [0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 4, 8, 16, 32];

    private readonly Lock _gate = new();
    private readonly HashSet<(string Service, string Disk)> _seen = [];
    private Dictionary<string, ServiceView> _observed = new(StringComparer.Ordinal);
    private FleetView? _latest;
    private FleetView? _applied;
    private bool? _nodeReachableBefore;
    private readonly Gauge _nodeState;
    private readonly Gauge _phase;
    private readonly Gauge _position;
    private readonly Gauge _dataBytes;
    private readonly Gauge _readRatio;
    private readonly Gauge _runningSeconds;
    private readonly Gauge _lastProofSeconds;
    private readonly Gauge _k2powSeconds;
    private readonly Gauge _readRate;
    private readonly Gauge _lastDeliveredEpoch;
    private readonly Gauge _restarts;
    private readonly Gauge _nodeReachable;
    private readonly Gauge _currentEpoch;
    private readonly Gauge _currentLayer;
    private readonly Gauge _gapOpen;
    private readonly Gauge _proofDeadline;
    private readonly Gauge _dueEpoch;
    private readonly Gauge _dueDeadline;
    private readonly Gauge _dueGapClosed;
    private readonly Gauge _paused;
    private readonly Gauge _lastPass;
    private readonly Gauge _serviceNode;
    private readonly Gauge _fleetNodeReachable;
    private readonly Gauge _fleetNodeEpoch;
    private readonly Gauge _fleetNodeGapOpen;
    private readonly Gauge _fleetNodeDueDeadline;
    private readonly Dictionary<string, string> _nodeOf = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodesSeen = new(StringComparer.Ordinal);
    private readonly Counter _passes;
    private readonly Histogram _passDuration;
    private readonly Histogram _passStage;

    public FleetMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var f = Prometheus.Metrics.WithCustomRegistry(Registry);
        string[] service = ["service", "disk"];
        _nodeState = f.CreateGauge("postfleet_service_node_state", "What the node's PostStates says for the identity: 0 idle, 1 proving, 2 unknown (node unreachable or identity not listed).", service);
        _phase = f.CreateGauge("postfleet_service_phase", "1 for the service's current phase, 0 for the others.", ["service", "disk", "phase"]);
        _position = f.CreateGauge("postfleet_service_read_position_bytes", "Bytes of PoST data read in the current proving pass.", service);
        _dataBytes = f.CreateGauge("postfleet_service_data_bytes", "Bytes one full read of the identity's PoST data covers.", service);
        _readRatio = f.CreateGauge("postfleet_service_read_ratio", "Fraction of the current read done, 0..1.", service);
        _runningSeconds = f.CreateGauge("postfleet_service_running_seconds", "Seconds since the running post-service started; 0 when not running.", service);
        _lastProofSeconds = f.CreateGauge("postfleet_service_last_proof_duration_seconds", "Seconds the last completed proof took, start to delivery.", service);
        _k2powSeconds = f.CreateGauge("postfleet_service_k2pow_seconds", "Seconds the last measured k2pow took (the planner's memory).", service);
        _readRate = f.CreateGauge("postfleet_service_read_bytes_per_second", "The live read's rate so far, else the last pass's rate the planner learned.", service);
        _lastDeliveredEpoch = f.CreateGauge("postfleet_service_last_delivered_epoch", "Highest publish epoch the node confirmed a proof for.", service);
        _restarts = f.CreateGauge("postfleet_service_restarts", "Restarts of the post-service in the current cycle gap.", service);
        // The node label: an info series per identity (join on service) and one series per node, so a fleet of
        // several nodes is told apart without changing the label sets of the one-node series above.
        _serviceNode = f.CreateGauge("postfleet_service_node_info", "1 for the node the identity belongs to (join on service to group by node).", ["service", "disk", "node"]);
        _fleetNodeReachable = f.CreateGauge("postfleet_fleet_node_reachable", "1 when this node answered the last pass.", ["node"]);
        _fleetNodeEpoch = f.CreateGauge("postfleet_fleet_node_current_epoch", "This node's current epoch (each node has its own genesis).", ["node"]);
        _fleetNodeGapOpen = f.CreateGauge("postfleet_fleet_node_cycle_gap_open", "1 while this node's cycle gap is open.", ["node"]);
        _fleetNodeDueDeadline = f.CreateGauge("postfleet_fleet_node_proofs_due_deadline_timestamp_seconds", "Unix time of the proof deadline of this node's gap whose proofs are due.", ["node"]);
        _nodeReachable = f.CreateGauge("postfleet_node_reachable", "1 when the node answered the last pass.");
        _currentEpoch = f.CreateGauge("postfleet_node_current_epoch", "The network's current epoch.");
        _currentLayer = f.CreateGauge("postfleet_node_current_layer", "The network's current layer.");
        _gapOpen = f.CreateGauge("postfleet_cycle_gap_open", "1 while the cycle gap is open.");
        _proofDeadline = f.CreateGauge("postfleet_cycle_gap_proof_deadline_timestamp_seconds", "Unix time of the current or next cycle gap's proof deadline.");
        _dueEpoch = f.CreateGauge("postfleet_proofs_due_publish_epoch", "Publish epoch whose proofs the node takes now (a closed gap's until its deadline).");
        _dueDeadline = f.CreateGauge("postfleet_proofs_due_deadline_timestamp_seconds", "Unix time of the proof deadline of the gap whose proofs are due.");
        _dueGapClosed = f.CreateGauge("postfleet_proofs_due_gap_closed", "1 while proofs are due for a cycle gap that has already closed.");
        _paused = f.CreateGauge("postfleet_fleet_paused", "1 when the user paused the fleet.");
        _lastPass = f.CreateGauge("postfleet_reconcile_last_pass", "Number of the last reconcile pass.");
        _passes = f.CreateCounter("postfleet_reconcile_passes_total", "Reconcile passes run.");
        _passDuration = f.CreateHistogram("postfleet_reconcile_pass_duration_seconds", "Wall time of one reconcile pass.",
            new HistogramConfiguration { Buckets = PassBuckets });
        Registry.AddBeforeCollectCallback(ApplyLatest);
        _passStage = f.CreateHistogram("postfleet_reconcile_pass_stage_seconds", "Wall time of one stage of a reconcile pass: observe (of it: observe-runtime, observe-nodes, observe-logs), decide, act, history, run-ledger; gc-pause is the garbage collector's share of the pass, inside the others.",
            new HistogramConfiguration { LabelNames = ["stage"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
    }

    public CollectorRegistry Registry { get; }

    /// <summary>The view the gauges show at the next scrape; cheap, so it may be called on every pass.</summary>
    public void Publish(FleetView view) => Volatile.Write(ref _latest, view);

    /// <summary>Called by the loop after every pass.</summary>
    public void ObservePass(FleetView view, TimeSpan duration, PassStages? stages = null)
    {
        _passes.Inc();
        _passDuration.Observe(duration.TotalSeconds);
        foreach (var (stage, took) in stages?.Own() ?? [])
        {
            _passStage.WithLabels(stage).Observe(took.TotalSeconds);
        }

        Publish(view);
    }

    /// <summary>Sets every gauge from the newest view, once per view (a scrape; the registry's callback).</summary>
    private void ApplyLatest()
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _latest) is not { } view || ReferenceEquals(view, _applied))
            {
                return;
            }

            _applied = view;
            _nodeReachable.Set(view.Node.Reachable ? 1 : 0);
            _paused.Set(view.Paused ? 1 : 0);
            _lastPass.Set(view.Pass);
            if (view.Network is { } network)
            {
                _currentEpoch.Set(network.CurrentEpoch);
                _currentLayer.Set(network.CurrentLayer);
                _gapOpen.Set(network.CycleGap.IsOpen ? 1 : 0);
                _proofDeadline.Set(network.CycleGap.ProofDeadline.ToUnixTimeMilliseconds() / 1000.0);
                if (network.ProofsDue is { } due)
                {
                    _dueEpoch.Set(due.PublishEpoch);
                    _dueDeadline.Set(due.ProofDeadline.ToUnixTimeMilliseconds() / 1000.0);
                    _dueGapClosed.Set(due.GapClosed ? 1 : 0);
                }
            }

            ObserveNodes(view);
            var current = new HashSet<(string, string)>();
            var observed = new Dictionary<string, ServiceView>(view.Services.Count, StringComparer.Ordinal);
            foreach (var s in view.Services)
            {
                current.Add((s.Name, s.Disk));
                observed[s.Name] = s;

                // A service not running whose view is as last time has the gauges it had (its running seconds are
                // 0; a waiting one's estimated finish, which moves every pass, has no gauge): at 1,000 identities that
                // is most of them, and each costs seventeen labelled lookups a scrape.
                if (s.RunningSince is not null || view.Node.Reachable != _nodeReachableBefore || !_observed.TryGetValue(s.Name, out var before)
                    || before with { EstimatedFinish = s.EstimatedFinish } != s)
                {
                    ObserveService(view, s);
                }
            }

            _observed = observed;
            _nodeReachableBefore = view.Node.Reachable;

            // A service removed from the config must not keep reporting its last values forever.
            foreach (var gone in _seen.Where(k => !current.Contains(k)).ToList())
            {
                Forget(gone.Service, gone.Disk);
                _seen.Remove(gone);
            }

            _seen.UnionWith(current);
        }
    }

    private void ObserveNodes(FleetView view)
    {
        var names = view.Nodes.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _nodesSeen.Where(n => !names.Contains(n)).ToList())
        {
            foreach (var gauge in new[] { _fleetNodeReachable, _fleetNodeEpoch, _fleetNodeGapOpen, _fleetNodeDueDeadline })
            {
                gauge.RemoveLabelled(gone);
            }

            _nodesSeen.Remove(gone);
        }

        foreach (var node in view.Nodes)
        {
            _nodesSeen.Add(node.Name);
            _fleetNodeReachable.WithLabels(node.Name).Set(node.Reachable ? 1 : 0);
            if (node.Network is { } network)
            {
                _fleetNodeEpoch.WithLabels(node.Name).Set(network.CurrentEpoch);
                _fleetNodeGapOpen.WithLabels(node.Name).Set(network.CycleGap.IsOpen ? 1 : 0);
                _fleetNodeDueDeadline.WithLabels(node.Name).Set((network.ProofsDue?.ProofDeadline ?? network.CycleGap.ProofDeadline).ToUnixTimeMilliseconds() / 1000.0);
            }
        }
    }

    private void ObserveService(FleetView view, ServiceView s)
    {
        string[] labels = [s.Name, s.Disk];
        if (_nodeOf.TryGetValue(s.Name, out var before) && before != s.Node)
        {
            _serviceNode.RemoveLabelled(s.Name, s.Disk, before);
        }

        _nodeOf[s.Name] = s.Node;
        _serviceNode.WithLabels(s.Name, s.Disk, s.Node).Set(1);
        _nodeState.WithLabels(labels).Set(NodeStateCode(view.Node.Reachable ? s.NodeState : null));
        foreach (var phase in Phases)
        {
            _phase.WithLabels(s.Name, s.Disk, phase).Set(phase == s.Phase ? 1 : 0);
        }

        _position.WithLabels(labels).Set(s.Position ?? 0);
        _dataBytes.WithLabels(labels).Set(s.DataBytes);
        _readRatio.WithLabels(labels).Set(s.ReadFraction);
        _runningSeconds.WithLabels(labels).Set(s.RunningSince is { } since ? Math.Max(0, (view.At - since).TotalSeconds) : 0);
        _restarts.WithLabels(labels).Set(s.Restarts);
        if (s.LastProofSeconds is { } proof)
        {
            _lastProofSeconds.WithLabels(labels).Set(proof);
        }

        if (s.K2PowSeconds is { } k2pow)
        {
            _k2powSeconds.WithLabels(labels).Set(k2pow);
        }

        if (s.ReadRate is { } rate)
        {
            _readRate.WithLabels(labels).Set(rate);
        }

        if (s.LastDeliveredEpoch is { } epoch)
        {
            _lastDeliveredEpoch.WithLabels(labels).Set(epoch);
        }
    }

    private void Forget(string service, string disk)
    {
        foreach (var gauge in new[] { _nodeState, _position, _dataBytes, _readRatio, _runningSeconds, _lastProofSeconds, _k2powSeconds, _readRate, _lastDeliveredEpoch, _restarts })
        {
            gauge.RemoveLabelled(service, disk);
        }

        foreach (var phase in Phases)
        {
            _phase.RemoveLabelled(service, disk, phase);
        }

        if (_nodeOf.Remove(service, out var node))
        {
            _serviceNode.RemoveLabelled(service, disk, node);
        }
    }

    public static int NodeStateCode(string? nodeState) => nodeState?.ToUpperInvariant() switch
    {
        "IDLE" => 0,
        "PROVING" => 1,
        _ => 2,
    };
}
