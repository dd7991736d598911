namespace PostFleet.Core.Tests.Configuration;

/// <summary>Each rule on its own: one bad key in an otherwise valid file gives exactly one error, at that key.</summary>
public class ConfigErrorTests
{
    [Theory]
    [InlineData("post:\n  nonces: 20", "post.nonces", "multiple of 16")]
    [InlineData("post:\n  nonces: 8192", "post.nonces", "16 to 4096")]
    [InlineData("post:\n  pow-difficulty: ffff", "post.pow-difficulty", "64 hex")]
    [InlineData("post:\n  threads: -1", "post.threads", "0 to")]
    [InlineData("post:\n  scrypt-n: 12", "post.scrypt-n", "power of two")]
    [InlineData("post:\n  randomx-mode: turbo", "post.randomx-mode", "fast, light")]
    [InlineData("post:\n  min-num-units: 8\n  max-num-units: 4", "post.max-num-units", "≥ min-num-units")]
    [InlineData("post:\n  k1: twelve", "post.k1", "whole number")]
    [InlineData("schedule:\n  per-disk: 0", "schedule.per-disk", "1 to")]
    [InlineData("schedule:\n  idle-stop-grace: 10", "schedule.idle-stop-grace", "90s, 10m")]
    [InlineData("schedule:\n  on-shutdown: kill", "schedule.on-shutdown", "leave-running, stop-all")]
    [InlineData("schedule:\n  mode: auto", "schedule.mode", "exclusive, pipelined")]
    [InlineData("schedule:\n  restart-backoff: { initial: 1m, max: 10s }", "schedule.restart-backoff.max", "≥ initial")]
    [InlineData("schedule:\n  per-disk: [1]", "schedule.per-disk", "single value")]
    [InlineData("runtime: podman", "runtime", "process, docker, kubernetes")]
    [InlineData("schedule:\n  max-pwo: 2", "schedule.max-pwo", "did you mean 'max-pow'")]
    [InlineData("sheduel:\n  max-pow: 2", "sheduel", "did you mean 'schedule'")]
    [InlineData("schedule: 5", "schedule", "expected a mapping")]
    public void One_bad_value_gives_one_error_at_its_key(string extra, string path, string hint)
    {
        var error = ConfigText.SingleError(ConfigText.With(extra));

        Assert.Equal(path, error.Path);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("diskA_post1.key", "without it")]
    [InlineData("local", "reserved")]
    [InlineData("disk A", "usable key file name")]
    [InlineData("../x", "usable key file name")]
    public void Service_names_must_be_key_file_names(string name, string hint)
    {
        var yaml = ConfigText.Minimal.Replace("name: diskA_post1,", $"name: \"{name}\",", StringComparison.Ordinal);

        var error = ConfigText.SingleError(yaml);

        Assert.Equal("disks[0].services[0].name", error.Path);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("operator: 127.0.0.1:10051", "operator: localhost:10051", "disks[0].services[0].operator", "host names")]
    [InlineData("operator: 127.0.0.1:10052", "operator: 127.0.0.1:10051", "disks[0].services[1].operator", "port 10051 is already used by disks[0].services[0].operator")]
    [InlineData("dir: ../post/diskA_post2", "dir: ../post/diskA_post1", "disks[0].services[1].dir", "already used by disks[0].services[0].dir")]
    [InlineData("dir: ../post/diskA_post2", "dir: ../post/./diskA_post1/", "disks[0].services[1].dir", "already used")]
    [InlineData("{ name: diskB_post1,", "{ name: diskA_post1,", "disks[1].services[0].name", "already used by disks[0].services[0].name")]
    [InlineData("- name: diskB\n", "- name: diskA\n", "disks[1].name", "already used by disks[0].name")]
    [InlineData("after: [diskA_post2]", "after: [diskA_post3]", "disks[1].services[0].after[0]", "did you mean 'diskA_post")]
    [InlineData("after: [diskA_post2]", "after: [diskB_post1]", "disks[1].services[0].after[0]", "the service itself")]
    [InlineData("num-units: 8", "num-units: 0", "disks[0].services[1].num-units", "1 to")]
    [InlineData("num-units: 8", "num-units: many", "disks[0].services[1].num-units", "whole number")]
    public void Topology_rules_name_both_places(string from, string to, string path, string hint)
    {
        var error = ConfigText.SingleError(ConfigText.Minimal.Replace(from, to, StringComparison.Ordinal));

        Assert.Equal(path, error.Path);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unit_counts_must_lie_within_the_configured_range()
    {
        var error = ConfigText.SingleError(ConfigText.With("post:\n  min-num-units: 1\n  max-num-units: 6"));

        Assert.Equal("disks[0].services[1].num-units", error.Path);
        Assert.Contains("1..6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dependency_cycles_are_spelled_out()
    {
        var yaml = ConfigText.Minimal
            .Replace("operator: 127.0.0.1:10051 }", "operator: 127.0.0.1:10051, after: [diskB_post1] }", StringComparison.Ordinal)
            .Replace("operator: 127.0.0.1:10052 }", "operator: 127.0.0.1:10052, after: [diskA_post1] }", StringComparison.Ordinal);

        var error = ConfigText.SingleError(yaml);

        Assert.Equal("disks[0].services[0].after", error.Path);
        Assert.Contains("diskA_post1 -> diskB_post1 -> diskA_post2 -> diskA_post1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_files_are_all_or_none()
    {
        var result = ConfigText.Load(ConfigText.Minimal.Replace("  data-dir: ../node_data", "  data-dir: ../node_data\n  tls: { cert: c.pem }", StringComparison.Ordinal));

        Assert.Equal(["node.tls.ca-cert", "node.tls.key"], result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Https_post_listener_needs_tls()
    {
        var error = ConfigText.SingleError(ConfigText.Minimal.Replace("post-listener: http://", "post-listener: https://", StringComparison.Ordinal));

        Assert.Equal("node.post-listener", error.Path);
    }

    [Fact]
    public void The_post_listener_is_required_because_the_node_picks_a_random_port_by_default()
    {
        var error = ConfigText.SingleError(ConfigText.Minimal.Replace("  post-listener: http://127.0.0.1:9094\n", "", StringComparison.Ordinal));

        Assert.Equal("node.post-listener", error.Path);
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:0", error.Message, StringComparison.Ordinal);
        Assert.Contains("grpc-post-listener", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var yaml = """
            node:
              post-listner: 127.0.0.1:10094
            post:
              nonces: 20
              pow-difficulty: abc
            schedule:
              per-disk: 0
            disks:
              - name: diskA
                services:
                  - { name: a, dir: ../a, num-units: 4, operator: localhost:1 }
                  - { name: a, dir: ../a, operator: 127.0.0.1:2 }
            """;

        var paths = ConfigText.Load(yaml).Errors.Select(e => e.Path).ToHashSet();

        Assert.Equal(
            new HashSet<string>
            {
                "node.post-listner", "node.post-listener", "node.data-dir", "post.nonces", "post.pow-difficulty", "schedule.per-disk",
                "disks[0].services[0].operator", "disks[0].services[1].num-units", "disks[0].services[1].name", "disks[0].services[1].dir",
            },
            paths);
    }

    [Theory]
    [InlineData("node:\n  data-dir: [a\n", "line 3, column 1")]
    [InlineData("node:\n\tdata-dir: x\n", "line ")]
    public void Yaml_syntax_errors_name_line_and_column(string yaml, string where)
    {
        var error = ConfigText.SingleError(yaml);

        Assert.Equal("", error.Path);
        Assert.Contains(where, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    public void An_empty_file_says_where_to_start(string yaml) =>
        Assert.Contains("empty", ConfigText.SingleError(yaml).Message, StringComparison.Ordinal);

    [Fact]
    public void Missing_disks_and_node_are_required()
    {
        var paths = ConfigText.Load("runtime: process\n").Errors.Select(e => e.Path);

        Assert.Equal(["node", "disks"], paths);
    }
}
