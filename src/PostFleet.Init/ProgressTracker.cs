using System.Collections.Immutable;
using PostFleet.Core.Init;

namespace PostFleet.Init;

/// <summary>
/// Keeps each identity's state and write rate and turns them into <see cref="InitProgress"/> snapshots.
/// Thread safety: a lock, because the executor loop samples while run tasks change states.
/// </summary>
internal sealed class ProgressTracker
{
    private readonly Lock _gate = new();
    private readonly List<Entry> _entries;
    private long _version;

    public ProgressTracker(IEnumerable<IdentityPlan> identities)
    {
        _entries = [.. identities.Select(i => new Entry(i))];
    }

    public void SetState(string name, IdentityInitState state, string? problem = null)
    {
        lock (_gate)
        {
            var entry = _entries.First(e => e.Plan.Name == name);
            entry.State = state;
            entry.Problem = problem ?? entry.Problem;
        }
    }

    public void Sample(string name, DateTimeOffset at, ulong bytesWritten)
    {
        lock (_gate)
        {
            var entry = _entries.First(e => e.Plan.Name == name);
            entry.Bytes = bytesWritten;
            entry.Rate.Add(at, bytesWritten);
        }
    }

    public IEnumerable<IdentityPlan> Running
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries.Where(e => e.State == IdentityInitState.Running).Select(e => e.Plan)];
            }
        }
    }

    public InitProgress Snapshot(DateTimeOffset at)
    {
        lock (_gate)
        {
            var identities = _entries.Select(e =>
            {
                var total = e.Plan.Layout.TotalBytes;
                var written = e.State == IdentityInitState.Done ? total : Math.Min(e.Bytes, total);
                var rate = e.State == IdentityInitState.Running ? e.Rate.BytesPerSecond : 0;
                var eta = e.State == IdentityInitState.Running ? ProgressMath.Eta(total - written, rate) : null;
                return new IdentityProgress(e.Plan.Name, e.Plan.Service.Disk, e.State, written, total, rate, eta, e.Problem);
            });
            return new InitProgress(++_version, at, [.. identities]);
        }
    }

    private sealed class Entry(IdentityPlan plan)
    {
        public IdentityPlan Plan { get; } = plan;

        public IdentityInitState State { get; set; } = plan.Action == IdentityInitAction.AlreadyComplete ? IdentityInitState.Done : IdentityInitState.Pending;

        public ulong Bytes { get; set; } = plan.BytesWritten;

        public RateEstimator Rate { get; } = new(RateEstimator.DefaultWindow);

        public string? Problem { get; set; }
    }
}
