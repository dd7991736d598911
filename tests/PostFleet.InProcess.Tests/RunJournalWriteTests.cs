using PostFleet.Core.Runs;
using PostFleet.Daemon.Reliability;

namespace PostFleet.InProcess.Tests;

/// <summary>The run journal writes a live read's progress every <see cref="RunJournal.ProgressEvery"/>, and its end with its last bytes.</summary>
public sealed class RunJournalWriteTests
{
    [Fact]
    public async Task An_open_reads_progress_is_written_every_fifteen_seconds_and_its_end_with_its_last_bytes()
    {
        // 32 KiB at 512 B/s: a read of about a minute.
        await using var fleet = await InProcessFleet.StartAsync(new InProcessFleetOptions { Services = [("a1", "diskA")], ReadBytesPerSecond = 512 });
        await fleet.RunUntilAsync(() => fleet.Runtime.Live().Any(r => r.Identity == "a1" && r.Reading), "a1 reads", TimeSpan.FromMinutes(5));
        await fleet.RunForAsync(TimeSpan.FromSeconds(2));
        var instance = fleet.Runtime.Live().Single(r => r.Identity == "a1").InstanceId;
        RunPhaseSpan Written() => fleet.History.Reader.Read(h => h.RunPhases("a1", [instance]))[instance][^1];
        RunPhaseSpan Live() => fleet.Passes[^1].Runs.Live.Values.Single(r => r.InstanceId == instance).Phases[^1];

        var first = Written();
        Assert.Equal(RunPhaseKind.Read, first.Kind);
        Assert.True(first.Open);

        // The ledger (what the API serves for a live run) moves on; the row does not, within the interval.
        await fleet.RunForAsync(TimeSpan.FromSeconds(5));
        Assert.True(Live().Bytes > first.Bytes, $"the live read moved: {Live().Bytes} > {first.Bytes}");
        Assert.Equal(first.Bytes, Written().Bytes);

        await fleet.RunForAsync(RunJournal.ProgressEvery + TimeSpan.FromSeconds(5));
        Assert.True(Written().Bytes > first.Bytes, "written again after the interval");

        // Its end is written, with the read's last bytes: nothing the ledger had is lost to the interval.
        RunPhaseSpan? Ended() => fleet.Passes.SelectMany(p => p.Runs.Changed).Where(r => r.InstanceId == instance)
            .SelectMany(r => r.Phases).FirstOrDefault(p => p.Kind == RunPhaseKind.Read && !p.Open);
        await fleet.RunUntilAsync(() => Ended() is not null, "a1's read ends", TimeSpan.FromMinutes(5));
        var ended = Ended()!;
        var row = fleet.History.Reader.Read(h => h.RunPhases("a1", [instance]))[instance].First(p => p.Kind == RunPhaseKind.Read);
        Assert.Equal(ended.End, row.End);
        Assert.Equal(ended.Bytes, row.Bytes);
    }
}
