using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Timeline;

namespace PostFleet.Init.Tests.Support;

/// <summary>FleetSpec records built directly (the YAML loader lives on another branch).</summary>
public static class Fleets
{
    /// <summary>The demo's 10 identities, disks and per-disk order exactly as init.yaml chains them.</summary>
    public static readonly (string Disk, (string Name, uint Units)[] Services)[] Demo =
    [
        ("diskE", [("diskE_post1", 12)]),
        ("diskD", [("diskD_post1", 17)]),
        ("diskC", [("diskC_post3", 13), ("diskC_post2", 11), ("diskC_post1", 12)]),
        ("diskB", [("diskB_post3", 7), ("diskB_post2", 10), ("diskB_post1", 31)]),
        ("diskA", [("diskA_post2", 27), ("diskA_post1", 4)]),
    ];

    public static PostSettings Post(string postcli, ulong labelsPerUnit = 1024, ulong? maxFileSize = null, string? commitment = null) =>
        new(ServiceBinary: "/usr/bin/false", PostcliBinary: postcli, LabelsPerUnit: labelsPerUnit, ScryptN: 16, K1: 12, K2: 20,
            PowDifficulty: new string('f', 64), RandomXMode: "light", Threads: 1, Nonces: 16, MinNumUnits: 1, MaxNumUnits: 1000,
            MaxFileSize: maxFileSize, Provider: 4294967295, CommitmentAtxId: commitment);

    public static FleetSpec Build(string root, PostSettings post, IEnumerable<(string Disk, (string Name, uint Units)[] Services)> disks)
    {
        var diskSpecs = disks.Select(d => new DiskSpec(d.Disk, [.. d.Services.Select((s, i) =>
            new ServiceSpec(s.Name, d.Disk, Path.Combine(root, "post", s.Name), s.Units, $"127.0.0.1:{10050 + i}", [], i))])).ToImmutableArray();
        var node = new NodeSpec(new Uri("http://127.0.0.1:10094"), new Uri("http://127.0.0.1:10092"), new Uri("http://127.0.0.1:10093"),
            Path.Combine(root, "node_data"), new PoetTimings(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(1)), null);
        var schedule = new ScheduleLimits(1, 2, 0, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30),
            TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), ShutdownPolicy.LeaveRunning);
        return new FleetSpec(node, post, RuntimeKind.Process, schedule, diskSpecs, Path.Combine(root, "state"));
    }
}
