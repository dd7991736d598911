using System.Collections.Immutable;
using PostFleet.Core.Configuration;
using PostFleet.Core.Forecast;
using PostFleet.Core.Planning;
using PostFleet.Core.Timeline;
using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Tests.Fakes;

/// <summary>
/// The demo topology's forecast as the daemon computes it (the real <see cref="ProvingForecast"/> and
/// <see cref="ForecastViewBuilder"/>): mainnet sizes, a 12 h window, and diskB learned to read only 40 MiB/s, so
/// its last service lands past the proof deadline.
/// </summary>
public static class DemoForecast
{
    public const double SlowDiskMibPerSecond = 40;

    public static FleetSpec Spec()
    {
        var port = 10051;
        var disks = DemoFleet.Topology.GroupBy(t => t.Disk).Select(g => new DiskSpec(g.Key,
            [.. g.Select((t, order) => new ServiceSpec(t.Name, t.Disk, $"/post/{t.Name}", t.Units, $"127.0.0.1:{port++}", [.. t.After], order))]));
        return new FleetSpec(
            new NodeSpec(new Uri("http://127.0.0.1:10094"), new Uri("http://127.0.0.1:10092"), new Uri("http://127.0.0.1:10093"), "/node",
                new PoetTimings(TimeSpan.FromHours(12), TimeSpan.FromHours(12), TimeSpan.FromHours(1)), null),
            new PostSettings("post-service", "postcli", 1UL << 32, 8192, 26, 37, ConfigDefaults.PowDifficulty, "fast", 8, 128, 4, uint.MaxValue, null, 0),
            RuntimeKind.Process,
            new ScheduleLimits(1, 2, 0, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(80), ShutdownPolicy.LeaveRunning),
            [.. disks],
            "/state");
    }

    /// <summary>Learned: every diskB service's k2pow and diskB's (slow) read rate.</summary>
    public static ProvingEstimates Learned() => new(
        ImmutableDictionary<string, TimeSpan>.Empty.WithComparers(StringComparer.Ordinal)
            .Add("diskB_post1", TimeSpan.FromMinutes(20)).Add("diskB_post2", TimeSpan.FromMinutes(7)).Add("diskB_post3", TimeSpan.FromMinutes(5)),
        ImmutableDictionary<string, double>.Empty.WithComparers(StringComparer.Ordinal).Add("diskB", SlowDiskMibPerSecond * 1024 * 1024));

    public static ForecastView Build(FleetView view)
    {
        var g = view.Network!.CycleGap;
        var gap = new CycleGapWindow(g.PublishEpoch, g.Opens, g.NextChallengeAt, g.Closes, g.ProofDeadline);
        var hardware = HardwareAssumptions.Default;
        return ForecastViewBuilder.Build(ProvingForecast.Of(Spec(), hardware, Learned()), hardware, gap, view.At);
    }
}
