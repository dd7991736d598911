using PostFleet.Runtime.Process;
using PostFleet.Testing;

namespace PostFleet.Runtime.Tests;

public class ProcessSignalsTests
{
    [Fact]
    public async Task A_process_that_fails_the_identity_check_receives_nothing()
    {
        await using var child = ChildProcess.Start("/bin/sleep", ["300"]);

        var outcome = ProcessSignals.Send(child.Id, ProcessSignals.SigKill, isStillOurs: () => false);

        Assert.Equal(SignalOutcome.NotOurs, outcome);
        Assert.True(RuntimeHarness.IsAlive(child.Id));
    }

    [Fact]
    public async Task A_process_that_passes_it_receives_the_signal()
    {
        await using var child = ChildProcess.Start("/bin/sleep", ["300"]);

        var outcome = ProcessSignals.Send(child.Id, ProcessSignals.SigTerm, isStillOurs: () => true);

        Assert.Equal(SignalOutcome.Sent, outcome);
        Assert.Equal(128 + Posix.SigTerm, await child.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_ended_and_reaped_process_is_gone()
    {
        using var ended = System.Diagnostics.Process.Start("/bin/true")!;
        await ended.WaitForExitAsync();

        Assert.Equal(SignalOutcome.Gone, ProcessSignals.Send(ended.Id, ProcessSignals.SigTerm, isStillOurs: () => true));
    }
}
