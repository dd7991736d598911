using PostFleet.Core.Configuration;

namespace PostFleet.Core.Tests.Configuration;

public class FleetConfigLoaderTests
{
    [Fact]
    public void Minimal_config_takes_the_real_binaries_defaults()
    {
        var result = ConfigText.Load(ConfigText.Minimal);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var spec = result.Spec!;
        Assert.Equal(new Uri("http://127.0.0.1:9094"), spec.Node.PostListener);
        Assert.Equal("/srv/fleet/node_data", spec.Node.DataDir);
        Assert.Equal(128, spec.Post.Nonces);
        Assert.Equal(26u, spec.Post.K1);
        Assert.Equal(37u, spec.Post.K2);
        Assert.Equal(8192u, spec.Post.ScryptN);
        Assert.Equal(1, spec.Post.Threads);
        Assert.Equal("fast", spec.Post.RandomXMode);
        Assert.Equal(ConfigDefaults.PowDifficulty, spec.Post.PowDifficulty);
        Assert.Equal(1, spec.Schedule.PerDisk);
        Assert.Equal(ShutdownPolicy.LeaveRunning, spec.Schedule.OnShutdown);
        Assert.Equal("/srv/fleet/conf/.postfleet", spec.StateDirectory);
        Assert.Equal("post-service", spec.Post.ServiceBinary);
    }

    [Fact]
    public void Services_keep_disk_order_paths_and_dependencies()
    {
        var spec = ConfigText.Load(ConfigText.Minimal).Spec!;

        var service = spec.FindService("diskA_post2")!;
        Assert.Equal("diskA", service.Disk);
        Assert.Equal(1, service.OrderOnDisk);
        Assert.Equal("/srv/fleet/post/diskA_post2", service.DataDir);
        Assert.Equal("127.0.0.1:10052", service.OperatorAddress);
        Assert.Equal(["diskA_post2"], spec.FindService("diskB_post1")!.After.ToArray());
    }

    [Fact]
    public void Demo_example_is_valid_and_matches_the_demo_topology()
    {
        var path = Path.Combine(RepoRoot(), "examples", "demo", "postfleet.yaml");

        var result = FleetConfigLoader.LoadFile(path);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var spec = result.Spec!;
        Assert.Equal(["diskA", "diskB", "diskC", "diskD", "diskE"], spec.Disks.Select(d => d.Name));
        Assert.Equal(10, spec.Services.Count());
        Assert.Equal(144u, (uint)spec.Services.Sum(s => s.NumUnits));
        Assert.Equal(["diskC_post2"], spec.FindService("diskA_post2")!.After.ToArray());
        Assert.Equal(Enumerable.Range(10051, 10).Select(p => $"127.0.0.1:{p}").Order(), spec.Services.Select(s => s.OperatorAddress).Order());
        Assert.Equal(TimeSpan.FromMinutes(7), spec.Node.Poet.CycleGap);
        Assert.Equal(new string('f', 64), spec.Post.PowDifficulty);
        Assert.Equal(16, spec.Post.Nonces);
        Assert.Equal("light", spec.Post.RandomXMode);
        Assert.Equal(Path.GetFullPath(Path.Combine(RepoRoot(), "examples", "post", "diskC_post3")), spec.FindService("diskC_post3")!.DataDir);
    }

    [Theory]
    [InlineData("10m", 600_000)]
    [InlineData("7m", 420_000)]
    [InlineData("90s", 90_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("250ms", 250)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("0", 0)]
    public void Durations_parse_go_style(string text, long milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("m")]
    [InlineData("10 minutes")]
    [InlineData("-5s")]
    public void Durations_refuse_ambiguous_or_malformed_text(string text) => Assert.False(Durations.TryParse(text, out _));

    [Theory]
    [InlineData("127.0.0.1:10092", "http://127.0.0.1:10092/")]
    [InlineData("http://127.0.0.1:10094", "http://127.0.0.1:10094/")]
    [InlineData("https://node.example:9094", "https://node.example:9094/")]
    [InlineData("localhost:9092", "http://localhost:9092/")]
    public void Listeners_accept_host_port_or_url(string text, string expected)
    {
        Assert.True(Endpoints.TryParseListener(text, out var uri, out var problem), problem);
        Assert.Equal(expected, uri.ToString());
    }

    [Theory]
    [InlineData("127.0.0.1:10051", true)]
    [InlineData("0.0.0.0:10051", true)]
    [InlineData("[::1]:10051", true)]
    [InlineData("localhost:10051", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.1:10051", false)]
    [InlineData("::1:10051", false)]
    [InlineData("127.0.0.1:70000", false)]
    public void Operator_must_be_an_ip_port_literal(string text, bool valid) =>
        Assert.Equal(valid, Endpoints.TryParseOperator(text, out _, out _));

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PostFleet.slnx")) && !Directory.Exists(Path.Combine(dir.FullName, "examples")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
