using System.Text.Json;
using PostFleet.Testing;

namespace PostFleet.Simulator.Tests.PostService;

/// <summary>Readers of one disk share its bandwidth across processes, seen through the host record.</summary>
public sealed class SharedDiskTests
{
    [Fact]
    public async Task Two_readers_on_one_disk_read_concurrently_at_a_lower_rate_each()
    {
        const double bandwidth = 64 * 1024;
        using var host = new SimHostFolder(k2powSecondsPerUnitPerNonceGroup: 0.01);
        var disk = host.Disk("diskA", bandwidth, concurrencyPenalty: 0.2);
        var dirs = new[] { Path.Combine(disk, "post1"), Path.Combine(disk, "post2") };
        foreach (var dir in dirs)
        {
            SimHostFolder.WriteData(dir, numUnits: 12);
        }

        await using var node1 = await FakeNode.StartAsync();
        await using var node2 = await FakeNode.StartAsync();
        await using var service1 = PostServiceProcess.Start(host, "-d", dirs[0], "-a", node1.Address, "--nonces", "16");
        await using var service2 = PostServiceProcess.Start(host, "-d", dirs[1], "-a", node2.Address, "--nonces", "16");
        var challenge = new byte[32];
        await Task.WhenAll(node1.GenProofAsync(challenge), node2.GenProofAsync(challenge));

        await Eventually.UntilAsync(() => host.Record().Count(e => Event(e) == "read-end") >= 2, "both reads to end", TimeSpan.FromSeconds(60));
        var reads = host.Record()
            .Where(e => Event(e) is "read-start" or "read-end")
            .GroupBy(e => e.GetProperty("pid").GetInt32())
            .Select(g => (Start: Time(g.First(e => Event(e) == "read-start")), End: Time(g.First(e => Event(e) == "read-end")), Bytes: g.First(e => Event(e) == "read-end").GetProperty("bytesRead").GetDouble()))
            .ToList();

        Assert.Equal(2, reads.Count);
        // Both read at the same time...
        Assert.True(reads.Max(r => r.Start) < reads.Min(r => r.End), "the two reads did not overlap");
        // ...and each got clearly less than the whole disk (alone it would be ~bandwidth).
        foreach (var (start, end, bytes) in reads)
        {
            var rate = bytes / (end - start).TotalSeconds;
            Assert.True(rate < 0.8 * bandwidth, $"a reader got {rate:0} B/s of {bandwidth} B/s");
        }
    }

    private static string? Event(JsonElement e) => e.GetProperty("event").GetString();

    private static DateTimeOffset Time(JsonElement e) => DateTimeOffset.Parse(e.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}
