using Microsoft.Extensions.Time.Testing;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Daemon.Loop;

namespace PostFleet.InProcess.Tests;

/// <summary>The poller alone, on fake time: a pass takes the last answer with its age, and an old one is no answer.</summary>
public sealed class StatusPollerTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_answer_older_than_the_stale_limit_is_no_answer_and_a_slow_read_keeps_the_last_one_until_it_times_out()
    {
        var time = new FakeTimeProvider(Start);
        var reader = new Reader();
        using var poller = new StatusPoller(reader, time);
        var fleet = Fleet();
        var run = new RuntimeInstance("a1", "i1", Start, true, null, null);
        var stale = StatusPoller.StaleAfter(fleet);

        reader.Next = new ServiceStatus.Proving(0, 16, 100);
        poller.Begin(fleet, [run]);
        Assert.Equal(new ServiceStatus.Proving(0, 16, 100), poller.Current(stale, out var readAt)["a1"]);
        Assert.Equal(Start, readAt["a1"]);

        // The next read does not answer: the pass gets the last answer, with when it was read.
        reader.Next = null;
        time.Advance(TimeSpan.FromSeconds(1));
        poller.Begin(fleet, [run]);
        Assert.Equal(new ServiceStatus.Proving(0, 16, 100), poller.Current(stale, out readAt)["a1"]);
        Assert.Equal(Start, readAt["a1"]);

        // Its own timeout on the injected clock ends it as no answer, and a new read starts at the next pass.
        // (The timed-out read ends on whichever thread the timer's cancellation continues it: waited for, generously.)
        time.Advance(StatusPoller.ReadTimeout);
        Assert.True(SpinWait.SpinUntil(() => poller.Current(stale, out _)["a1"] is ServiceStatus.Unreachable, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, reader.Pending);

        // No pass for longer than the stale limit: the last answer is not this run's state any more.
        reader.Next = new ServiceStatus.Proving(0, 16, 200);
        time.Advance(TimeSpan.FromSeconds(1));
        poller.Begin(fleet, [run]);
        Assert.Equal(new ServiceStatus.Proving(0, 16, 200), poller.Current(stale, out _)["a1"]);
        time.Advance(stale + TimeSpan.FromSeconds(1));
        var old = Assert.IsType<ServiceStatus.Unreachable>(poller.Current(stale, out readAt)["a1"]);
        Assert.StartsWith("stale", old.Reason, StringComparison.Ordinal);
        Assert.False(readAt.ContainsKey("a1"));

        // A new run of the service starts from nothing: the last run's answer is not its.
        reader.Next = null;
        poller.Begin(fleet, [run with { InstanceId = "i2" }]);
        Assert.IsType<ServiceStatus.Unreachable>(poller.Current(stale, out _)["a1"]);
    }

    [Fact]
    public void An_answer_of_another_phase_asks_for_a_pass_and_progress_within_a_phase_does_not()
    {
        var time = new FakeTimeProvider(Start);
        var reader = new Reader();
        var asked = 0;
        using var poller = new StatusPoller(reader, time, () => asked++);
        var fleet = Fleet();
        var run = new RuntimeInstance("a1", "i1", Start, true, null, null);

        int AfterRead(ServiceStatus answer)
        {
            reader.Next = answer;
            time.Advance(TimeSpan.FromSeconds(1));
            poller.Begin(fleet, [run]);
            return asked;
        }

        Assert.Equal(1, AfterRead(new ServiceStatus.Proving(0, 16, 0)));    // the first answer: k2pow
        Assert.Equal(1, AfterRead(new ServiceStatus.Proving(0, 16, 0)));    // still k2pow
        Assert.Equal(2, AfterRead(new ServiceStatus.Proving(0, 16, 100)));  // reading
        Assert.Equal(2, AfterRead(new ServiceStatus.Proving(0, 16, 900)));  // further on in the same read
        Assert.Equal(3, AfterRead(new ServiceStatus.Proving(16, 32, 0)));   // the next pass's k2pow
        Assert.Equal(4, AfterRead(new ServiceStatus.DoneProving()));
        Assert.Equal(4, AfterRead(new ServiceStatus.DoneProving()));
    }

    [Fact]
    public void A_proving_run_is_read_again_after_a_fiftieth_of_its_phases_age_a_second_at_most_and_a_read_by_its_expected_end()
    {
        var time = new FakeTimeProvider(Start);
        var reader = new Reader();
        using var poller = new StatusPoller(reader, time);
        var fleet = Fleet();
        var data = ServicePhases.DataBytes(fleet.Services.Single(), fleet.Post);
        var rate = data / 100.0; // a read of 100 s
        var run = new RuntimeInstance("a1", "i1", Start, true, null, null);

        int ReadsAt(double seconds, ServiceStatus answer)
        {
            reader.Next = answer;
            time.SetUtcNow(Start + TimeSpan.FromSeconds(seconds));
            poller.Begin(fleet, [run]);
            return reader.Reads;
        }

        ServiceStatus ReadAt(double secondsIntoRead) => new ServiceStatus.Proving(0, 16, Math.Max(1, (ulong)(secondsIntoRead * rate)));

        // Start-up is read at every pass: what follows it may be short.
        var startingUp = new ServiceStatus.Unreachable("connection refused");
        Assert.Equal(1, ReadsAt(0, startingUp));
        Assert.Equal(2, ReadsAt(0.001, startingUp));

        // k2pow from 1 s: read at once while it is young, then after a fiftieth of its age, a second at most (its
        // end frees a k2pow slot, and a hundred runs in k2pow were read at every pass, 8 times a second).
        var k2pow = new ServiceStatus.Proving(0, 16, 0);
        Assert.Equal(3, ReadsAt(1, k2pow));
        Assert.Equal(4, ReadsAt(1.001, k2pow));
        Assert.Equal(5, ReadsAt(6, k2pow));              // 5 s into k2pow: next after 100 ms
        Assert.Equal(5, ReadsAt(6.099, k2pow));
        Assert.Equal(6, ReadsAt(6.1, k2pow));

        // The read begins at 10 s: read at once while it is young, then after a fiftieth of its age, a second at most.
        Assert.Equal(7, ReadsAt(10, ReadAt(0)));
        Assert.Equal(8, ReadsAt(10.001, ReadAt(0.001)));
        Assert.Equal(9, ReadsAt(20, ReadAt(10)));        // 10 s into the read: next after 200 ms
        Assert.Equal(9, ReadsAt(20.199, ReadAt(10.199)));
        Assert.Equal(10, ReadsAt(20.2, ReadAt(10.2)));
        Assert.Equal(11, ReadsAt(60, ReadAt(50)));       // 50 s in: a second
        Assert.Equal(11, ReadsAt(60.999, ReadAt(50.999)));
        Assert.Equal(12, ReadsAt(61, ReadAt(51)));

        // Half a second before its expected end, the next read is at that end, not a second later.
        Assert.Equal(13, ReadsAt(109.5, ReadAt(99.5)));
        Assert.Equal(13, ReadsAt(109.9, ReadAt(99.9)));
        Assert.Equal(14, ReadsAt(110.01, ReadAt(100)));   // at its end (a little late): from now on, every pass
        Assert.Equal(15, ReadsAt(110.011, ReadAt(100)));

        // The next pass's k2pow (another phase: young again), a proof done (every pass), and a new run: read at once.
        Assert.Equal(16, ReadsAt(110.012, new ServiceStatus.Proving(16, 32, 0)));
        Assert.Equal(17, ReadsAt(110.013, new ServiceStatus.DoneProving()));
        Assert.Equal(18, ReadsAt(110.014, new ServiceStatus.DoneProving()));
        reader.Next = k2pow;
        poller.Begin(fleet, [run with { InstanceId = "i2" }]);
        Assert.Equal(19, reader.Reads);
    }

    private static FleetSpec Fleet() => OneDiskFleet.Of(["a1"], 19100, "poller test");

    /// <summary>Answers <see cref="Next"/> at once, or (null) never, not even to cancellation.</summary>
    private sealed class Reader : IRunStatusReader
    {
        public ServiceStatus? Next { get; set; }

        public int Pending { get; private set; }

        public int Reads { get; private set; }

        public Task<ServiceStatus> ReadStatusAsync(ServiceSpec service, RuntimeInstance run, CancellationToken cancellationToken)
        {
            Reads++;
            if (Next is { } status)
            {
                return Task.FromResult(status);
            }

            Pending++;
            return new TaskCompletionSource<ServiceStatus>().Task;
        }
    }
}
