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
    public void A_run_is_read_again_after_a_fiftieth_of_its_phases_age_at_most_a_second_and_at_once_in_a_new_phase()
    {
        var time = new FakeTimeProvider(Start);
        var reader = new Reader();
        using var poller = new StatusPoller(reader, time);
        var fleet = Fleet();
        var run = new RuntimeInstance("a1", "i1", Start, true, null, null);

        int ReadsAt(TimeSpan sinceStart, ServiceStatus answer)
        {
            reader.Next = answer;
            time.SetUtcNow(Start + sinceStart);
            poller.Begin(fleet, [run]);
            return reader.Reads;
        }

        var k2pow = new ServiceStatus.Proving(0, 16, 0);
        Assert.Equal(1, ReadsAt(TimeSpan.Zero, k2pow));                        // the first answer: the phase begins
        Assert.Equal(2, ReadsAt(TimeSpan.FromMilliseconds(1), k2pow));         // a phase 0 s old: read at every pass
        Assert.Equal(3, ReadsAt(TimeSpan.FromSeconds(10), k2pow));             // 10 s into k2pow: next read 200 ms on
        Assert.Equal(3, ReadsAt(TimeSpan.FromMilliseconds(10_199), k2pow));
        Assert.Equal(4, ReadsAt(TimeSpan.FromMilliseconds(10_200), k2pow));
        Assert.Equal(5, ReadsAt(TimeSpan.FromSeconds(200), k2pow));            // 200 s in: a fiftieth is 4 s, a second at most
        Assert.Equal(5, ReadsAt(TimeSpan.FromMilliseconds(200_999), k2pow));
        Assert.Equal(6, ReadsAt(TimeSpan.FromSeconds(201), new ServiceStatus.Proving(0, 16, 100))); // reading: a new phase
        Assert.Equal(7, ReadsAt(TimeSpan.FromMilliseconds(201_001), new ServiceStatus.Proving(0, 16, 200)));

        // A new run starts over: read at once.
        reader.Next = k2pow;
        poller.Begin(fleet, [run with { InstanceId = "i2" }]);
        Assert.Equal(8, reader.Reads);
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
