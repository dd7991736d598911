using PostFleet.Simulator.K2PowService;
using PostFleet.Simulator.PostService;

namespace PostFleet.Simulator.Tests.PostService;

/// <summary>The two Rust programs' argument parsers (post-service, k2pow-service) answer as clap does.</summary>
public sealed class ClapCommandLineTests
{
    [Fact]
    public void K2pow_service_reads_its_four_flags_in_every_form()
    {
        var (outcome, options) = K2PowServiceCommandLine.Parse(["-b", "127.0.0.1:3001", "--cores=3", "--randomx-mode", "light", "--randomx-large-pages=true"]);

        Assert.Equal(K2PowServiceCommandLine.Outcome.Run, outcome);
        Assert.Equal(new K2PowServiceOptions { BindAddress = "127.0.0.1:3001", Cores = 3, RandomxMode = "light", LargePages = true }, options);
        Assert.Equal(K2PowServiceCommandLine.Outcome.Help, K2PowServiceCommandLine.Parse(["--cores", "2", "-h"]).Outcome);
        Assert.Equal(K2PowServiceCommandLine.Outcome.Version, K2PowServiceCommandLine.Parse(["-V"]).Outcome);
    }

    [Theory]
    [InlineData(new[] { "--threads", "2" }, "error: unexpected argument '--threads' found\n\nUsage: k2pow-service [OPTIONS]\n\nFor more information, try '--help'.")]
    [InlineData(new[] { "--cores", "1", "--cores", "2" }, "error: the argument '--cores <CORES>' cannot be used multiple times\n\nUsage: k2pow-service [OPTIONS]\n\nFor more information, try '--help'.")]
    [InlineData(new[] { "--cores" }, "error: a value is required for '--cores <CORES>' but none was supplied\n\nFor more information, try '--help'.")]
    [InlineData(new[] { "--cores", "256" }, "error: invalid value '256' for '--cores <CORES>': number too large to fit in target type\n\nFor more information, try '--help'.")]
    [InlineData(new[] { "--cores", "x" }, "error: invalid value 'x' for '--cores <CORES>': invalid digit found in string\n\nFor more information, try '--help'.")]
    [InlineData(new[] { "--randomx-mode", "slow" }, "error: invalid value 'slow' for '--randomx-mode <RANDOMX_MODE>': \n  [possible values: fast, light]\n\nFor more information, try '--help'.")]
    [InlineData(new[] { "--randomx-large-pages", "yes" }, "error: invalid value 'yes' for '--randomx-large-pages <RANDOMX_LARGE_PAGES>': provided string was not `true` or `false`\n\nFor more information, try '--help'.")]
    public void K2pow_service_refuses_with_clap_wording(string[] args, string message) =>
        Assert.Equal(message, Assert.Throws<ClapUsageException>(() => K2PowServiceCommandLine.Parse(args)).Message);

    [Theory]
    [InlineData(new[] { "--dir", "d", "--dir", "e" }, "the argument '--dir <DIR>' cannot be used multiple times")]
    [InlineData(new[] { "--dir", "d", "--address" }, "a value is required for '--address <ADDRESS>' but none was supplied")]
    [InlineData(new[] { "--bogus", "1" }, "unexpected argument '--bogus' found")]
    [InlineData(new[] { "--dir", "d" }, "the following required arguments were not provided:\n  --address <ADDRESS>")]
    public void Post_service_refuses_with_clap_wording(string[] args, string message) =>
        Assert.StartsWith("error: " + message + "\n\n", Assert.Throws<ClapUsageException>(() => PostServiceCommandLine.Parse(args)).Message);

    [Fact]
    public void Post_service_stops_at_help_and_version() =>
        Assert.Equal(
            [PostServiceCommandLine.Outcome.Help, PostServiceCommandLine.Outcome.Version],
            [PostServiceCommandLine.Parse(["--dir", "d", "-h"]).Outcome, PostServiceCommandLine.Parse(["-V"]).Outcome]);
}
