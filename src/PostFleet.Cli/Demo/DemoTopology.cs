namespace PostFleet.Cli.Demo;

/// <summary>
/// The official 1:N demo's fleet: ten identities on five pretend disks, with the unit counts of its init DAG and
/// the disk order of its proving DAG. The demo's one cross-disk edge (diskA_post2 waits for diskC_post2) is kept
/// as an explicit `after` so users see how PostFleet shows it, instead of it hiding in a chain.
/// </summary>
internal static class DemoTopology
{
    public sealed record Identity(string Name, uint NumUnits, string[] After);

    public sealed record Disk(string Name, Identity[] Identities);

    public static readonly Disk[] Disks =
    [
        new("diskA", [new("diskA_post2", 27, ["diskC_post2"]), new("diskA_post1", 4, [])]),
        new("diskB", [new("diskB_post3", 7, []), new("diskB_post2", 10, []), new("diskB_post1", 31, [])]),
        new("diskC", [new("diskC_post3", 13, []), new("diskC_post2", 11, []), new("diskC_post1", 12, [])]),
        new("diskD", [new("diskD_post1", 17, [])]),
        new("diskE", [new("diskE_post1", 12, [])]),
    ];

    public static IEnumerable<Identity> Identities => Disks.SelectMany(d => d.Identities);
}
