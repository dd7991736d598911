using PostFleet.Core.Init;

namespace PostFleet.Init.Tests;

public class ProgressTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Plain_line_has_name_percent_rate_and_eta()
    {
        var identity = new IdentityProgress("diskA_post1", "diskA", IdentityInitState.Running, 37 * 1024 * 1024, 100 * 1024 * 1024, 1.2 * 1024 * 1024, TimeSpan.FromSeconds(42), null);

        Assert.Equal("diskA_post1 37% 1.2 MiB/s ETA 0:42", ProgressMath.Line(identity));
    }

    [Theory]
    [InlineData(0UL, 10.0, 0)]
    [InlineData(100UL, 10.0, 10)]
    [InlineData(101UL, 10.0, 11)]
    public void Eta_is_remaining_bytes_over_rate_rounded_up(ulong remaining, double rate, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ProgressMath.Eta(remaining, rate));

    [Fact]
    public void Eta_is_unknown_without_a_rate() => Assert.Null(ProgressMath.Eta(100, 0));

    [Theory]
    [InlineData(512, "512 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(3L << 30, "3.0 GiB")]
    public void Bytes_use_binary_units(long bytes, string text) => Assert.Equal(text, ProgressMath.Bytes(bytes));

    [Theory]
    [InlineData(42, "0:42")]
    [InlineData(725, "12:05")]
    [InlineData(11229, "3:07:09")]
    [InlineData(187200, "2d 04:00:00")]
    public void Durations_read_like_clocks(int seconds, string text) => Assert.Equal(text, ProgressMath.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Rate_is_measured_over_the_window_not_since_start()
    {
        var rate = new RateEstimator(TimeSpan.FromSeconds(10));
        rate.Add(T0, 1_000_000); // resumed: a million bytes were there before this run
        rate.Add(T0.AddSeconds(5), 1_000_500);
        Assert.Equal(100, rate.BytesPerSecond, 3);

        rate.Add(T0.AddSeconds(15), 1_010_500); // the first sample has left the window
        rate.Add(T0.AddSeconds(20), 1_020_500);
        Assert.Equal(2000, rate.BytesPerSecond, 3);
    }

    [Fact]
    public void Rate_restarts_when_the_files_shrink()
    {
        var rate = new RateEstimator(TimeSpan.FromSeconds(10));
        rate.Add(T0, 5000);
        rate.Add(T0.AddSeconds(1), 100);
        Assert.Equal(0, rate.BytesPerSecond);
    }

    [Fact]
    public void Overall_progress_sums_identities_and_running_rates()
    {
        var progress = new InitProgress(1, T0,
        [
            new("a", "d1", IdentityInitState.Done, 1000, 1000, 0, TimeSpan.Zero, null),
            new("b", "d2", IdentityInitState.Running, 500, 1000, 50, TimeSpan.FromSeconds(10), null),
            new("c", "d3", IdentityInitState.Pending, 0, 2000, 0, null, null),
        ]);

        Assert.Equal(1500UL, progress.BytesWritten);
        Assert.Equal(4000UL, progress.BytesTotal);
        Assert.Equal(0.375, progress.Fraction, 6);
        Assert.Equal(TimeSpan.FromSeconds(50), progress.Eta);
        Assert.Equal("total 1/3 done 37% 50 B/s ETA 0:50", ProgressMath.Line(progress));
    }

    [Fact]
    public void Layout_matches_the_doc_examples()
    {
        var mainnet = PostDataLayout.Create(100, 1UL << 32, null);
        Assert.Equal(1600, mainnet.FileCount);

        var tiny = new PostDataLayout(2, 128, 1024); // post-service.md §7: 4 files of 1024 bytes
        Assert.Equal(4096UL, tiny.TotalBytes);
        Assert.Equal(4, tiny.FileCount);
        Assert.Equal(1024UL, tiny.FileSize(3));

        var uneven = new PostDataLayout(3, 128, 4096); // 6144 bytes: one full file and a 2048-byte tail
        Assert.Equal(2, uneven.FileCount);
        Assert.Equal(2048UL, uneven.FileSize(1));
    }

    [Theory]
    [InlineData("postdata_0.bin", 0)]
    [InlineData("postdata_15.bin", 15)]
    [InlineData("postdata_01.bin", null)]
    [InlineData("postdata_metadata.json", null)]
    [InlineData("postdata_.bin", null)]
    public void Only_postcli_file_names_count(string name, int? index) => Assert.Equal(index, PostDataLayout.FileIndex(name));
}
