using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Simulator.Common;
using PostFleet.Testing;

namespace PostFleet.Simulator.Tests.Common;

/// <summary>
/// A lease's weight is read once and its PID looked up at most once a <see cref="LeaseFolder.LivenessInterval"/>:
/// a killed sharer's lease stops counting within that interval, not at the next look.
/// </summary>
public sealed class LeaseFolderTests
{
    [Fact]
    public async Task A_killed_sharers_lease_counts_until_its_pid_is_looked_up_again_and_is_then_removed()
    {
        using var dir = new TempDirectory("pf-lease");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var leases = new LeaseFolder(dir.Combine("leases"), time);
        using var own = leases.Acquire(2);

        // Another sharer: a real process, with a lease of weight 3.
        using var other = Process.Start(new ProcessStartInfo("sleep", "600"))!;
        var otherLease = Path.Combine(leases.Folder, other.Id.ToString(CultureInfo.InvariantCulture));
        await File.WriteAllTextAsync(otherLease, "3");
        Assert.Equal([2, 3], leases.LiveWeights().Order());

        // Read once: a weight written again is not read again while the PID lives.
        await File.WriteAllTextAsync(otherLease, "5");
        Assert.Equal([2, 3], leases.LiveWeights().Order());

        // Killed (and reaped): it still counts until the interval has passed, then its lease is gone.
        other.Kill();
        await other.WaitForExitAsync();
        time.Advance(LeaseFolder.LivenessInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal([2, 3], leases.LiveWeights().Order());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([2], leases.LiveWeights());
        Assert.False(File.Exists(otherLease));
    }

    [Fact]
    public void A_lease_of_a_pid_that_is_gone_when_first_seen_is_removed_at_once_and_a_released_one_is_forgotten()
    {
        using var dir = new TempDirectory("pf-lease");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var leases = new LeaseFolder(dir.Combine("leases"), time);
        var mine = leases.Acquire(4);

        // A PID that is no process: pid_max is at most 2^22 on Linux.
        var stale = Path.Combine(leases.Folder, "4194304");
        File.WriteAllText(stale, "7");
        Assert.Equal([4], leases.LiveWeights());
        Assert.False(File.Exists(stale));

        // Released and acquired again with another weight (the same PID): the new weight, not the remembered one.
        mine.Dispose();
        Assert.Empty(leases.LiveWeights());
        using var again = leases.Acquire(9);
        Assert.Equal([9], leases.LiveWeights());
    }
}
