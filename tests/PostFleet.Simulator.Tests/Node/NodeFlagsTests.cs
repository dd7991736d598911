using PostFleet.Simulator.Node;

namespace PostFleet.Simulator.Tests.Node;

public sealed class NodeFlagsTests
{
    [Fact]
    public void All_four_go_flag_forms_are_accepted()
    {
        var flags = NodeFlags.Parse(["-d", "a", "-c=b", "--preset", "standalone", "--grpc-post-listener=127.0.0.1:1", "--time-scale", "20", "--smeshing-start=false"], out var error);
        Assert.Null(error);
        Assert.Equal("a", flags["data-folder"]);
        Assert.Equal("b", flags["config"]);
        Assert.Equal("standalone", flags["preset"]);
        Assert.Equal("127.0.0.1:1", flags["grpc-post-listener"]);
        Assert.Equal("20", flags["time-scale"]);
        Assert.Equal("false", flags["smeshing-start"]);
    }

    [Theory]
    [InlineData("--nope", "unknown flag: --nope")]
    [InlineData("-x", "unknown shorthand flag: 'x' in -x")]
    [InlineData("--config", "flag needs an argument: --config")]
    public void Bad_flags_are_reported(string arg, string message)
    {
        NodeFlags.Parse([arg], out var error);
        Assert.Equal(message, error);
    }

    [Theory]
    [InlineData("1m", 60)]
    [InlineData("7m", 420)]
    [InlineData("30s", 30)]
    [InlineData("1m30s", 90)]
    [InlineData("1h0m0.5s", 3600.5)]
    [InlineData("250ms", 0.25)]
    [InlineData("0", 0)]
    public void Go_durations_parse(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), GoDuration.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("1x")]
    [InlineData("m")]
    public void Bad_go_durations_fail(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Fact]
    public void Time_scale_divides_network_durations()
    {
        using var dir = new PostFleet.Testing.TempDirectory("pf-flags");
        var config = dir.Combine("config.json");
        File.WriteAllText(config, """{"main":{"layer-duration":"1m","layers-per-epoch":15},"poet":{"phase-shift":"10m","cycle-gap":"7m","grace-period":"1m"},"unknown":{"x":1}}""");
        var settings = NodeSettings.Resolve(new Dictionary<string, string> { ["config"] = config, ["time-scale"] = "20", ["data-folder"] = dir.Path }, new DateTimeOffset(2024, 3, 8, 14, 30, 0, 700, TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromSeconds(3), settings.Network.LayerDuration);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Network.PhaseShift);
        Assert.Equal(TimeSpan.FromSeconds(21), settings.Network.CycleGap);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.Network.GracePeriod);
        Assert.Equal(TimeSpan.FromSeconds(0.1), settings.PollInterval);
        Assert.Equal(new DateTimeOffset(2024, 3, 8, 14, 30, 0, TimeSpan.Zero), settings.Network.Genesis);
        Assert.True(settings.SmeshingStart);
        Assert.Equal("127.0.0.1:10092", settings.PublicListener);
        Assert.Equal("127.0.0.1:0", settings.PostListener);
        Assert.Null(settings.JsonListener);
    }
}
