using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Tests.Fakes;

/// <summary>
/// A generated fleet's view mid cycle gap (names as `postfleet demo --identities` generates them: h1d007_3 is
/// host 1, disk 7, fourth on it): on every disk the first identity delivered, the second reading, the rest
/// waiting; the waiting ones on every <see cref="LateEvery"/>th disk forecast past the deadline.
/// </summary>
public static class LargeFleet
{
    public const int LateEvery = 25;

    public static FleetView Build(DateTimeOffset now, int identities, int disks, int hosts)
    {
        var services = new List<ServiceView>(identities);
        var deadline = DemoFleet.Assemble(now, 1, []).Network!.ProofsDue!.ProofDeadline;
        for (var d = 0; d < disks; d++)
        {
            var disk = $"h{d % hosts}d{d:D3}";
            var count = (identities / disks) + (d < identities % disks ? 1 : 0);
            for (var i = 0; i < count; i++)
            {
                var waiting = new ServiceView($"{disk}_{i}", disk, 4, $"127.0.0.1:{20000 + services.Count}", [], "PROVING", "not-running", "waiting",
                    null, null, null, 4 * DemoFleet.BytesPerUnit, 0, null, null, null, "wait-turn", "waiting for its turn on the disk", 13)
                {
                    EstimatedFinish = d % LateEvery == 0 ? deadline.AddMinutes(20 * i) : now.AddMinutes(30 * i),
                };
                services.Add(i switch
                {
                    0 => waiting with { NodeState = "IDLE", DagState = "delivered", LastDeliveredEpoch = 14, EstimatedFinish = null },
                    1 => DemoFleet.Reading(waiting, now, 0.4 + (0.5 * d / disks)),
                    _ => waiting,
                });
            }
        }

        var view = DemoFleet.Assemble(now, 1, services);
        return view with { Disks = [.. view.Disks.Select(v => v with { Host = $"host{int.Parse(v.Name[1..v.Name.IndexOf('d', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)}" })] };
    }
}
