using PostFleet.Core.Planning;
using PostFleet.Daemon.Loop;

namespace PostFleet.Daemon.Tests;

/// <summary>
/// The history stores every change of a decision, but a service going from one shared-cap wait to another (they
/// flip with every start and stop in a large fleet) at most once per 30 s; a start or another kind of wait at once.
/// </summary>
public sealed class DecisionRecorderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Cap_waits_flipping_every_pass_are_stored_once_per_interval_and_what_ends_them_at_once()
    {
        var recorder = new DecisionRecorder();
        var stored = new List<(int Second, DecisionCode Code)>();
        for (var second = 0; second < 70; second++)
        {
            var code = second % 2 == 0 ? DecisionCode.WaitingForRunningSlot : DecisionCode.WaitingForPowReserve;
            if (recorder.ShouldStore(new Decision("a", code, $"waiting ({second})"), Now.AddSeconds(second)))
            {
                stored.Add((second, code));
            }
        }

        Assert.Equal([(0, DecisionCode.WaitingForRunningSlot), (30, DecisionCode.WaitingForRunningSlot), (60, DecisionCode.WaitingForRunningSlot)], stored);
        Assert.True(recorder.ShouldStore(new Decision("a", DecisionCode.Start, "start"), Now.AddSeconds(70.5)));
        Assert.True(recorder.ShouldStore(new Decision("a", DecisionCode.WaitingForDisk, "waiting: disk"), Now.AddSeconds(71)));
        Assert.False(recorder.ShouldStore(new Decision("a", DecisionCode.WaitingForPow, "waiting: k2pow"), Now.AddSeconds(72)));

        // Other services, and waits that are not on a shared cap, are not held by a's interval.
        Assert.True(recorder.ShouldStore(new Decision("b", DecisionCode.WaitingForPow, "waiting: k2pow"), Now.AddSeconds(72)));
        Assert.True(recorder.ShouldStore(new Decision("a", DecisionCode.WaitingForDependency, "waiting: after b"), Now.AddSeconds(73)));
        Assert.True(recorder.ShouldStore(new Decision("a", DecisionCode.WaitingForPow, "waiting: k2pow"), Now.AddSeconds(74)));
    }

    [Theory]
    [InlineData(DecisionCode.WaitingForDisk, true)]
    [InlineData(DecisionCode.WaitingForPow, true)]
    [InlineData(DecisionCode.WaitingForPowReserve, true)]
    [InlineData(DecisionCode.WaitingForRunningSlot, true)]
    [InlineData(DecisionCode.WaitingForDependency, false)]
    [InlineData(DecisionCode.WaitingForGapProofs, false)]
    [InlineData(DecisionCode.Start, false)]
    public void Cap_waits_are_the_four_shared_caps_by_code_and_by_name(DecisionCode code, bool capWait)
    {
        Assert.Equal(capWait, CapWait.Is(code));
        Assert.Equal(capWait, CapWait.Is(code.ToString()));
        Assert.False(CapWait.Is(((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
