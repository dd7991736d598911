using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Tests.Fakes;

/// <summary>The demo's topology (10 identities on 5 disks, one `after` across disks) as a FleetView mid cycle gap.</summary>
public static class DemoFleet
{
    // Mainnet sizes so the dashboard shows realistic numbers: 64 GiB per unit.
    public const ulong BytesPerUnit = 64UL * 1024 * 1024 * 1024;

    public static readonly (string Disk, string Name, uint Units, string[] After)[] Topology =
    [
        ("diskA", "diskA_post2", 27, ["diskC_post2"]),
        ("diskA", "diskA_post1", 4, []),
        ("diskB", "diskB_post3", 7, []),
        ("diskB", "diskB_post2", 10, []),
        ("diskB", "diskB_post1", 31, []),
        ("diskC", "diskC_post3", 13, []),
        ("diskC", "diskC_post2", 11, []),
        ("diskC", "diskC_post1", 12, []),
        ("diskD", "diskD_post1", 17, []),
        ("diskE", "diskE_post1", 12, []),
    ];

    public static FleetView Build(DateTimeOffset now, string? logPath = null)
    {
        var services = Topology.Select((t, i) => Waiting(t.Disk, t.Name, t.Units, t.After, 10051 + i)).ToList();
        var view = Assemble(now, 1, services);
        view = With(view, "diskC_post3", s => s with { NodeState = "IDLE", Phase = "not-running", DagState = "delivered", LastDeliveredEpoch = 13 });
        view = With(view, "diskB_post3", s => s with { NodeState = "IDLE", Phase = "not-running", DagState = "delivered", LastDeliveredEpoch = 13 });
        view = With(view, "diskC_post2", s => Reading(s, now, 0.64) with { LogPath = logPath });
        view = With(view, "diskB_post2", s => s with { Phase = "k2pow", DagState = "k2pow", RunningSince = now.AddMinutes(-18), NonceStart = 0, NonceEnd = 16, InstanceId = "pid:4242" });
        view = With(view, "diskE_post1", s => Reading(s, now, 0.31));
        return view;
    }

    public static ServiceView Reading(ServiceView s, DateTimeOffset now, double fraction) => s with
    {
        Phase = "reading",
        DagState = "reading",
        RunningSince = now.AddMinutes(-95),
        NonceStart = 0,
        NonceEnd = 16,
        Position = (ulong)(s.DataBytes * fraction),
        ReadFraction = fraction,
        InstanceId = "pid:" + (4000 + s.NumUnits),
        DecisionCode = "proving",
        DecisionMessage = "node wants the proof; reading the PoST data",
    };

    private static ServiceView Waiting(string disk, string name, uint units, string[] after, int port) => new(
        name, disk, units, $"127.0.0.1:{port}", after, "PROVING", "not-running", "waiting",
        null, null, null, units * BytesPerUnit, 0, null, null, null, "wait-turn", "waiting for its turn on the disk", 12);

    /// <summary>Replaces one service and recomputes what depends on the services (summary, time, pass).</summary>
    public static FleetView With(FleetView view, string name, Func<ServiceView, ServiceView> change)
    {
        if (view.Services.All(s => s.Name != name))
        {
            throw new ArgumentException($"no service {name}", nameof(name));
        }

        var changed = Assemble(view.At, view.Pass, [.. view.Services.Select(s => s.Name == name ? change(s) : s)], view.Paused, view.Node);
        var hosts = view.Disks.ToDictionary(d => d.Name, d => d.Host);
        return changed with { Disks = [.. changed.Disks.Select(d => d with { Host = hosts.GetValueOrDefault(d.Name) })] };
    }

    public static FleetView Assemble(DateTimeOffset now, long pass, IReadOnlyList<ServiceView> services, bool paused = false, NodeView? node = null)
    {
        var disks = services.GroupBy(s => s.Disk).Select(g => new DiskView(g.Key, [.. g.Select(s => s.Name)])).ToList();
        var edges = new List<DagEdgeView>();
        foreach (var disk in disks)
        {
            for (var i = 1; i < disk.Services.Count; i++)
            {
                edges.Add(new DagEdgeView(disk.Services[i - 1], disk.Services[i], "disk-order"));
            }
        }

        edges.AddRange(services.SelectMany(s => s.After.Select(a => new DagEdgeView(a, s.Name, "after"))));
        var network = Network(now);
        var summary = new FleetSummaryView(
            services.Count,
            services.Count(s => s.NodeState == "PROVING"),
            services.Count(s => s.RunningSince is not null),
            services.Count(s => s.DagState == "k2pow"),
            services.Count(s => s.DagState == "reading"),
            services.Count(s => s.DagState == "delivered"),
            services.Count(s => s.DagState == "failed"));
        return new FleetView(now, pass, paused, node ?? new NodeView(true, null, "http://127.0.0.1:10094", services.Count), network, disks, services, edges,
            new ScheduleView(1, 2, 0), summary);
    }

    private static NetworkView Network(DateTimeOffset now)
    {
        const double layerSeconds = 300;
        const uint layersPerEpoch = 4032;
        var epochLength = TimeSpan.FromSeconds(layerSeconds * layersPerEpoch);
        // Epoch 13, three hours into a twelve-hour cycle gap.
        var opens = now.AddHours(-3);
        var genesis = opens - epochLength * 13 + TimeSpan.FromHours(2);
        var layer = (uint)((now - genesis).TotalSeconds / layerSeconds);
        var deadline = opens.AddHours(11).AddMinutes(30);
        return new NetworkView(genesis, layerSeconds, layersPerEpoch, layer, layer / layersPerEpoch,
            new CycleGapView(14, opens, opens.AddHours(12).AddMinutes(10), opens.AddHours(12), deadline, IsOpen: true))
        {
            ProofsDue = new ProofsDueView(14, deadline, GapClosed: false),
        };
    }

    /// <summary>
    /// The view an hour before publish epoch 14's proof deadline, its gap closed: cycleGap already shows epoch 15's
    /// (opening in 14 days less 3 hours), proofsDue still epoch 14's.
    /// </summary>
    public static FleetView AfterGapClosed(FleetView view)
    {
        var network = view.Network!;
        var epoch = TimeSpan.FromSeconds(network.LayerSeconds * network.LayersPerEpoch);
        var dueDeadline = view.At.AddHours(1);
        var next = dueDeadline + epoch;
        return view with
        {
            Network = network with
            {
                CycleGap = new CycleGapView(15, next - TimeSpan.FromHours(3), next - TimeSpan.FromHours(1), next - TimeSpan.FromMinutes(30), next, IsOpen: false),
                ProofsDue = new ProofsDueView(14, dueDeadline, GapClosed: true),
            },
        };
    }
}
