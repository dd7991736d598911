using System.Collections.Immutable;
using PostFleet.Core.Forecast;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Tests.Planning;

namespace PostFleet.Core.Tests.Forecast;

public class FinishEstimatesTests
{
    private static readonly DateTimeOffset Now = Fleet.T0;

    [Fact]
    public void A_read_finishes_at_the_rate_seen_so_far()
    {
        var end = FinishEstimates.Reading(dataBytes: 65536, position: 32768, readStartedAt: Now.AddSeconds(-10), fallbackRate: 1e9, Now);

        Near(Now.AddSeconds(10), end);
    }

    [Fact]
    public void A_read_not_timed_yet_uses_the_fallback_rate()
    {
        Near(Now.AddSeconds(32), FinishEstimates.Reading(65536, 32768, readStartedAt: null, fallbackRate: 1024, Now));
        Near(Now.AddSeconds(32), FinishEstimates.Reading(65536, 32768, readStartedAt: Now, fallbackRate: 1024, Now));
    }

    [Fact]
    public void A_k2pow_ends_after_its_estimate_then_reads_everything_and_an_overrun_k2pow_may_end_now()
    {
        Near(Now.AddSeconds(15 + 30), FinishEstimates.K2Pow(Now.AddSeconds(-5), k2powSeconds: 20, readSeconds: 30, Now));
        Near(Now.AddSeconds(30), FinishEstimates.K2Pow(Now.AddSeconds(-50), k2powSeconds: 20, readSeconds: 30, Now));
    }

    [Fact]
    public void A_waiting_service_starts_at_its_forecast_but_not_before_now_and_its_k2pow_ends_when_the_disk_is_free()
    {
        var noDisk = DateTimeOffset.MinValue;
        Near(Now.AddSeconds(100 + 50), FinishEstimates.Waiting(Now.AddSeconds(100), noDisk, 20, 30, Now));
        Near(Now.AddSeconds(50), FinishEstimates.Waiting(Now.AddSeconds(-100), noDisk, 20, 30, Now));
        Near(Now.AddSeconds(80 + 50), FinishEstimates.Waiting(Now.AddSeconds(-100), Now.AddSeconds(100), 20, 30, Now));
    }

    [Fact]
    public void The_fleet_estimate_queues_waiting_services_behind_a_slow_read_on_their_disk_and_skips_finished_ones()
    {
        var spec = Fleet.Spec(Fleet.Limits(maxPow: 2), [("diskA", ["a1", "a2", "a3"]), ("diskB", ["b1"])]);
        var bytes = ServicePhases.DataBytes(spec.Services.First(), spec.Post); // 4 units × 1024 labels × 16 B
        var known = new ProvingEstimates(
            ImmutableDictionary<string, TimeSpan>.Empty.Add("a2", TimeSpan.FromSeconds(20)).Add("a3", TimeSpan.FromSeconds(20)).Add("b1", TimeSpan.FromSeconds(20)),
            ImmutableDictionary<string, double>.Empty.Add("diskA", bytes / 30.0).Add("diskB", bytes / 30.0));
        var hardware = HardwareAssumptions.Default;
        var forecast = ProvingForecast.Of(spec, hardware, known);
        var stages = new Dictionary<string, ProofStage>
        {
            // a1 read a sixteenth in 100 s: 1500 s left, far slower than the disk's learned 30 s per read.
            ["a1"] = new ProofStage.Reading(bytes / 16, Now.AddSeconds(-100)),
            ["a2"] = new ProofStage.Waiting(),
            ["a3"] = new ProofStage.Waiting(),
        };

        var finish = FinishEstimates.Of(spec, stages, known, hardware, forecast, gapOpens: Now.AddSeconds(-200), Now);

        Near(Now.AddSeconds(1500), finish["a1"]);
        Near(Now.AddSeconds(1500 + 30), finish["a2"]); // its k2pow hides behind a1's read
        Near(Now.AddSeconds(1500 + 30 + 30), finish["a3"]);
        Assert.False(finish.ContainsKey("b1")); // delivered (no stage): nothing ahead
    }

    [Fact]
    public void Without_a_known_gap_only_running_proofs_get_an_estimate()
    {
        var spec = Fleet.Spec(Fleet.Limits(), [("diskA", ["a1", "a2"])]);
        var stages = new Dictionary<string, ProofStage> { ["a1"] = new ProofStage.InK2Pow(Now), ["a2"] = new ProofStage.Waiting() };

        var finish = FinishEstimates.Of(spec, stages, ProvingEstimates.None, HardwareAssumptions.Default, ProvingForecast.Of(spec, HardwareAssumptions.Default), gapOpens: null, Now);

        Assert.True(finish["a1"] > Now);
        Assert.False(finish.ContainsKey("a2"));
    }

    // Rates are doubles: a tick either way is the same answer.
    private static void Near(DateTimeOffset expected, DateTimeOffset actual) =>
        Assert.True(Math.Abs((actual - expected).TotalMilliseconds) < 1, $"expected {expected:O}, got {actual:O}");
}
