using System.Diagnostics;
using PostFleet.Core.Configuration;
using PostFleet.Core.Planning;

namespace PostFleet.Bench;

/// <summary>Time and allocations of one planner pass (<see cref="Planner.Decide"/>) on a fleet mid-gap.</summary>
/// <param name="WithoutWindowMeanMs">The same pass with no window to judge (no clock): what the window objective costs.</param>
public sealed record PlannerBenchmarkResult(int Identities, ScheduleMode Mode, int Passes, double MeanMs, double P99Ms, double MaxMs, long AllocatedBytesPerPass, double SetupSeconds)
{
    public double WithoutWindowMeanMs { get; init; }

    public long WithoutWindowBytesPerPass { get; init; }
}

public static class PlannerBenchmark
{
    /// <summary>
    /// A one-host fleet of <paramref name="identities"/> on disks of 10, run on the model through one learning
    /// epoch and into the second until about half the proofs are in; then the same pass is timed
    /// <paramref name="passes"/> times (it is pure, so every pass does the full work).
    /// </summary>
    public static PlannerBenchmarkResult Run(int identities, ScheduleMode mode, int passes = 300, CancellationToken cancellationToken = default)
    {
        var setup = Stopwatch.StartNew();
        var disks = Math.Max(1, identities / 10);
        var yaml = new System.Text.StringBuilder("name: bench\nnonces: 128\nhosts:\n  - name: h\n    cores: 64\n    hashrate-per-core: 600\n    pow-threads: 8\n    disks:\n");
        for (var d = 0; d < disks; d++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"      - name: d{d}\n        mib-s: {150 + (d % 5 * 50)}\n        identities:\n");
            for (var i = d; i < identities; i += disks)
            {
                yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"          - {{ name: id{i}, units: {4 + (i % 4 * 4)} }}\n");
            }
        }

        var topology = Topology.Parse(yaml.ToString(), "bench");
        var strategy = new PlannerStrategy(topology, mode);
        var capture = new Capture();

        // Only the state half-way through the second epoch matters, not the schedule: looking every 10 minutes
        // instead of at every event keeps the set-up of a 5,000-identity fleet to seconds.
        using var captured = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var throttled = new EveryTenMinutes(strategy);
            Runner.Run(topology, throttled, epochs: 2, cancellationToken: captured.Token, onStep: (model, _) =>
            {
                if (capture.Snapshot is null && throttled.Epoch == 1 && model.Jobs.Count(j => j.Phase == JobPhase.Done) * 2 >= model.Jobs.Length && model.Now > 0)
                {
                    capture.Snapshot = strategy.LastSnapshot;
                    capture.Memory = strategy.LastMemory;
                    captured.Cancel(); // the rest of the run is not needed
                }
            });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        var spec = strategy.SpecOf(0);
        var snapshot = capture.Snapshot ?? throw new InvalidOperationException("the run never reached half-way");
        var memory = capture.Memory!;
        for (var i = 0; i < 20; i++)
        {
            Planner.Decide(spec, snapshot, memory, snapshot.ObservedAt);
        }

        var setupSeconds = setup.Elapsed.TotalSeconds;
        var times = new double[passes];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < passes; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            Planner.Decide(spec, snapshot, memory, snapshot.ObservedAt);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        var allocated = (GC.GetAllocatedBytesForCurrentThread() - before) / passes;
        var (noWindowMs, noWindowBytes) = Mean(spec, snapshot with { Window = null }, memory, Math.Min(passes, 100), cancellationToken);
        Array.Sort(times);
        return new PlannerBenchmarkResult(identities, mode, passes, times.Average(), times[Math.Min(passes - 1, (int)Math.Ceiling(passes * 0.99) - 1)], times[^1], allocated, setupSeconds)
        {
            WithoutWindowMeanMs = noWindowMs,
            WithoutWindowBytesPerPass = noWindowBytes,
        };
    }

    private static (double Ms, long Bytes) Mean(FleetSpec spec, FleetSnapshot snapshot, PlannerMemory memory, int passes, CancellationToken cancellationToken)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < passes; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Planner.Decide(spec, snapshot, memory, snapshot.ObservedAt);
        }

        return (Stopwatch.GetElapsedTime(start).TotalMilliseconds / passes, (GC.GetAllocatedBytesForCurrentThread() - before) / passes);
    }

    private sealed class EveryTenMinutes(IStrategy inner) : IStrategy
    {
        private const double Period = 600;
        private double _next;

        public string Name => inner.Name;

        public StrategyCaps Caps => inner.Caps;

        public int Epoch { get; private set; }

        public void BeginEpoch(FleetModel model, int epoch)
        {
            _next = 0;
            Epoch = epoch;
            inner.BeginEpoch(model, epoch);
        }

        public double Decide(FleetModel model, int host)
        {
            if (model.Now < _next)
            {
                return _next;
            }

            inner.Decide(model, host);
            _next = model.Now + Period;
            return _next;
        }
    }

    private sealed class Capture
    {
        public FleetSnapshot? Snapshot { get; set; }

        public PlannerMemory? Memory { get; set; }
    }
}
