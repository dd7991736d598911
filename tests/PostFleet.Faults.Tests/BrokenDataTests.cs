using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>
/// One identity's PoST data is broken before the daemon starts: its service exits 1 at start, again and again.
/// That identity fails with its reason in the history (runs: exit code and the service's own error), backs off
/// with a capped backoff, and the other identities deliver as if nothing happened.
/// </summary>
public sealed partial class CrashLoopTests
{
    [Fact]
    public async Task A_service_that_always_exits_backs_off_capped_and_the_others_deliver()
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA"), ("b1", "diskB")] });
        // Units out of range (max 32): post-service refuses at start with exit 1, every time.
        var metadata = Path.Combine(fleet.DataDir("a1"), "postdata_metadata.json");
        File.WriteAllText(metadata, File.ReadAllText(metadata).Replace("\"NumUnits\": 2", "\"NumUnits\": 64", StringComparison.Ordinal));
        await fleet.StartAsync();

        await fleet.WaitForDeliveriesAsync(["b1"], 1);
        await Eventually.UntilAsync(() => fleet.History("SELECT id FROM runs WHERE service = 'a1' AND outcome = 'crashed'").Count >= 5, () => "five crashed runs of a1; " + fleet.Describe(), TimeSpan.FromSeconds(60));

        Assert.Empty(fleet.Delivered("a1"));
        var crashed = fleet.History("SELECT started_at, exit_code, stderr_tail FROM runs WHERE service = 'a1' ORDER BY id");
        Assert.All(crashed.Where(r => r["exit_code"] is not null), r => Assert.Equal("1", r["exit_code"]));
        Assert.Contains(crashed, r => r["stderr_tail"]?.Contains("out of range", StringComparison.Ordinal) == true);

        // Backoff 1s, 2s, 4s, 4s: visible as decisions, and the gaps between starts stop growing at the cap.
        var backoffs = fleet.Decisions("a1").Where(d => d.Code == "BackingOff").ToList();
        Assert.True(backoffs.Count >= 3, "BackingOff decisions: " + backoffs.Count);
        // The growth and the cap, from the planner's own words (the next start it set, never more than 4 s after it
        // decided), not from the wall-clock gaps between starts, which a loaded machine stretches (13 s, then 3.4 s).
        var waits = new List<TimeSpan>();
        foreach (var row in fleet.History("SELECT at, message FROM decisions WHERE service = 'a1' AND code = 'BackingOff' ORDER BY id"))
        {
            var at = DateTimeOffset.Parse(row["at"]!, System.Globalization.CultureInfo.InvariantCulture);
            var next = TimeOnly.ParseExact(NextStart().Match(row["message"]!).Groups[1].Value, "HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            var until = new DateTimeOffset(DateOnly.FromDateTime(at.UtcDateTime).ToDateTime(next), TimeSpan.Zero);
            until = until < at - TimeSpan.FromHours(12) ? until.AddDays(1) : until;
            Assert.True(until - at <= TimeSpan.FromSeconds(4), $"{row["message"]} decided at {at:O}: more than the 4 s cap");
            waits.Add(until - at);
        }

        Assert.True(waits[^1] > waits[0], $"no growing backoff: {string.Join(", ", waits)}");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"next start at (\d\d:\d\d:\d\d)")]
    private static partial System.Text.RegularExpressions.Regex NextStart();
}

public sealed class CorruptedMetadataTests
{
    [Fact]
    public async Task Garbage_metadata_makes_the_service_exit_1_at_start_reported_and_the_others_deliver()
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA"), ("b1", "diskB")] });
        File.WriteAllText(Path.Combine(fleet.DataDir("a1"), "postdata_metadata.json"), "{ this is not json");
        await fleet.StartAsync();

        await fleet.WaitForDeliveriesAsync(["b1"], 1);
        await Eventually.UntilAsync(() => fleet.History("SELECT id FROM runs WHERE service = 'a1' AND outcome = 'crashed' AND exit_code = 1").Count >= 2, () => "a1's crashed runs; " + fleet.Describe());

        var run = fleet.History("SELECT stderr_tail FROM runs WHERE service = 'a1' AND outcome = 'crashed'")[0];
        Assert.Contains("loading POST metadata", run["stderr_tail"], StringComparison.Ordinal);
        Assert.Contains(fleet.Decisions("a1"), d => d.Code == "BackingOff");
        Assert.Empty(fleet.Delivered("a1"));
        Assert.DoesNotContain(fleet.ServiceEvents("a1"), e => e.Event == "connected");
    }
}

public sealed class MissingDataDirTests
{
    [Fact]
    public async Task A_missing_data_dir_fails_that_identity_with_its_reason_and_the_others_deliver()
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA"), ("b1", "diskB")] });
        Directory.Move(fleet.DataDir("a1"), fleet.DataDir("a1") + ".gone");
        await fleet.StartAsync();

        await fleet.WaitForDeliveriesAsync(["b1"], 1);
        await Eventually.UntilAsync(() => fleet.History("SELECT id FROM runs WHERE service = 'a1' AND outcome = 'crashed' AND exit_code = 1").Count >= 2, () => "a1's crashed runs; " + fleet.Describe());

        var run = fleet.History("SELECT stderr_tail FROM runs WHERE service = 'a1' AND outcome = 'crashed'")[0];
        Assert.Contains("No such file or directory", run["stderr_tail"], StringComparison.Ordinal);
        Assert.Contains(fleet.Decisions("a1"), d => d.Code == "BackingOff");
        Assert.Empty(fleet.Delivered("a1"));
    }
}
