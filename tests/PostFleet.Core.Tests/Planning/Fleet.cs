using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;

namespace PostFleet.Core.Tests.Planning;

/// <summary>Builds specs and snapshots for planner tests without any YAML.</summary>
internal static class Fleet
{
    /// <summary>A 4-unit service's PoST data in bytes (1,024 labels a unit, 16 bytes a label): the planning tests' usual size.</summary>
    public const ulong Data = 4 * 1024 * 16;

    public static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2024-03-08T14:48:00Z", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>15-minute epochs from <see cref="T0"/>, with the PoET timings of <see cref="Spec"/>: gap 2 opens at T0+33m, its deadline is T0+45m.</summary>
    public static readonly NetworkTimeline Epochs = new(
        new NetworkClock(T0, TimeSpan.FromMinutes(1), 15),
        new PoetTimings(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(1)));

    /// <summary>A NiPoST challenge (the PoET proof reference); the initial PoST's is all zeros.</summary>
    public static readonly string NipostChallenge = "ab" + new string('1', 62);

    /// <summary>The demo's topology: disks in config order, services in their order on each disk.</summary>
    public static readonly (string Disk, string[] Services)[] DemoDisks =
    [
        ("diskA", ["diskA_post2", "diskA_post1"]),
        ("diskB", ["diskB_post3", "diskB_post2", "diskB_post1"]),
        ("diskC", ["diskC_post3", "diskC_post2", "diskC_post1"]),
        ("diskD", ["diskD_post1"]),
        ("diskE", ["diskE_post1"]),
    ];

    public static readonly ImmutableDictionary<string, string[]> DemoAfter =
        ImmutableDictionary<string, string[]>.Empty.Add("diskA_post2", ["diskC_post2"]);

    public static ScheduleLimits Limits(int perDisk = 1, int maxPow = 0, int maxRunning = 0, TimeSpan? noProgress = null) =>
        new(perDisk, maxPow, maxRunning,
            StopGrace: TimeSpan.FromSeconds(10),
            NoProgressTimeout: noProgress ?? TimeSpan.FromMinutes(30),
            IdleStopGrace: TimeSpan.FromSeconds(10),
            RestartBackoffInitial: TimeSpan.FromSeconds(10),
            RestartBackoffMax: TimeSpan.FromSeconds(80),
            OnShutdown: ShutdownPolicy.LeaveRunning)
        {
            StartupGrace = TimeSpan.FromSeconds(30),
            Resync = TimeSpan.FromSeconds(5),

            // The rule tests were written against exclusive mode's per-disk count (every started service); the
            // config's default is pipelined, so the pipelined tests say so with `with { Mode = ... }`.
            Mode = ScheduleMode.Exclusive,
        };

    public static FleetSpec Spec(ScheduleLimits limits, (string Disk, string[] Services)[] disks, IReadOnlyDictionary<string, string[]>? after = null)
    {
        var port = 10051;
        var diskSpecs = disks.Select(d => new DiskSpec(
            d.Disk,
            [.. d.Services.Select((name, order) => new ServiceSpec(
                name, d.Disk, $"/post/{name}", 4, $"127.0.0.1:{port++}",
                [.. after?.GetValueOrDefault(name) ?? []], order))]));
        return new FleetSpec(
            new NodeSpec(new Uri("http://127.0.0.1:10094"), new Uri("http://127.0.0.1:10092"), new Uri("http://127.0.0.1:10093"), "/node",
                new PoetTimings(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(1)), null),
            new PostSettings("post-service", "postcli", 1024, 16, 12, 20, new string('f', 64), "light", 1, 16, 1, 32, null, 0),
            RuntimeKind.Process,
            limits,
            [.. diskSpecs],
            "/state");
    }

    public static FleetSpec Demo(ScheduleLimits? limits = null) => Spec(limits ?? Limits(maxPow: 2), DemoDisks, DemoAfter);

    /// <summary>A deterministic node id per identity name.</summary>
    public static NodeId IdOf(string name) =>
        new(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name))));

    public static RuntimeInstance Run(string name, DateTimeOffset startedAt, bool running = true, string? id = null) =>
        new(name, id ?? $"{name}@{startedAt.ToUnixTimeMilliseconds()}", startedAt, running, running ? null : 1, null);

    public static ServiceStatus.Proving Proving(ulong position, ulong nonceStart = 0) => new(nonceStart, nonceStart + 16, position);
}

/// <summary>A mutable picture of the world that turns into a <see cref="FleetSnapshot"/>; tests change one thing at a time.</summary>
internal sealed class WorldView
{
    public bool NodeReachable { get; set; } = true;

    public Dictionary<string, NodePostState> Identities { get; } = [];

    public Dictionary<string, RuntimeInstance> Runs { get; } = [];

    public Dictionary<string, ServiceStatus> Statuses { get; } = [];

    public List<NodeEvent> Events { get; } = [];

    public UserIntents Intents { get; set; } = UserIntents.None;

    /// <summary>When the open cycle gap opened; null outside a gap.</summary>
    public DateTimeOffset? GapOpenedAt { get; set; }

    public NetworkTimeline? Timeline { get; set; }

    public NodeCondition Node { get; set; } = NodeCondition.Unknown;

    /// <summary>The node's replay since the daemon subscribed has been read (see <see cref="FleetSnapshot.EventReplayRead"/>).</summary>
    public bool EventReplayRead { get; set; } = true;

    public WorldView Proving(params string[] names) => Set(NodePostState.Proving, names);

    public WorldView Idle(params string[] names) => Set(NodePostState.Idle, names);

    public WorldView Running(string name, DateTimeOffset startedAt, ServiceStatus? status = null)
    {
        Runs[name] = Fleet.Run(name, startedAt);
        if (status is not null)
        {
            Statuses[name] = status;
        }

        return this;
    }

    public FleetSnapshot Snapshot(DateTimeOffset now)
    {
        var snapshot = new FleetSnapshot(
            now,
            NodeReachable,
            NodeReachable ? Identities.ToDictionary(kv => kv.Key, kv => new IdentityState(kv.Key, Fleet.IdOf(kv.Key), kv.Value)) : [],
            new Dictionary<string, RuntimeInstance>(Runs),
            new Dictionary<string, ServiceStatus>(Statuses),
            [.. Events],
            Intents)
        {
            CycleGapOpenedAt = GapOpenedAt,

            Timeline = Timeline,
            Node = Node,
            EventReplayRead = EventReplayRead,
        };
        Events.Clear();
        return snapshot;
    }

    private WorldView Set(NodePostState state, string[] names)
    {
        foreach (var name in names)
        {
            Identities[name] = state;
        }

        return this;
    }
}

internal static class PlanAssertions
{
    public static string[] Started(this Plan plan) =>
        [.. plan.Actions.OfType<PlannedAction.StartService>().Select(a => a.ServiceName)];

    public static PlannedAction.StopService[] Stops(this Plan plan) => [.. plan.Actions.OfType<PlannedAction.StopService>()];

    public static DecisionCode Code(this Plan plan, string service) => plan.DecisionFor(service).Code;
}

/// <summary>Runs passes against a world, carrying the planner's memory from one to the next.</summary>
internal sealed class PlannerLoop(FleetSpec spec)
{
    public WorldView World { get; } = new();

    public PlannerMemory Memory { get; private set; } = PlannerMemory.Empty;

    public Plan Pass(DateTimeOffset now)
    {
        var plan = Planner.Decide(spec, World.Snapshot(now), Memory, now);
        Memory = plan.Next;
        return plan;
    }
}
