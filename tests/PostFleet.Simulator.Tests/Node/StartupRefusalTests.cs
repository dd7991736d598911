using PostFleet.Simulator.Common;
using PostFleet.Testing;

namespace PostFleet.Simulator.Tests.Node;

/// <summary>Fact sheet §4: every start-up refusal exits non-zero and names the file on stderr.</summary>
public sealed class StartupRefusalTests
{
    private static async Task<(int ExitCode, string Stderr)> RunAsync(Action<string> prepareIdentities, params string[] extraArgs)
    {
        using var folder = new TempDirectory("pf-simnode-refuse");
        var identities = folder.Combine("data", "identities");
        Directory.CreateDirectory(identities);
        prepareIdentities(identities);
        await using var process = ChildProcess.StartPostfleet(
            ["sim", "node", "-d", folder.Combine("data"), "--smeshing-start=false", "--grpc-public-listener", $"127.0.0.1:{FreePorts.Next()}", "--grpc-private-listener", $"127.0.0.1:{FreePorts.Next()}", .. extraArgs]);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (exitCode, process.StandardError);
    }

    private static void Key(string folder, string name, IdentityKey? key = null) =>
        File.WriteAllText(Path.Combine(folder, name), (key ?? IdentityKey.Generate()).ToFileContent());

    [Fact]
    public async Task Local_key_beside_other_keys_is_refused()
    {
        var (code, stderr) = await RunAsync(dir =>
        {
            Key(dir, "local.key");
            Key(dir, "post1.key");
        });
        Assert.Equal(1, code);
        Assert.Contains("supervised key found in remote smeshing mode", stderr, StringComparison.Ordinal);
        Assert.Contains("local.key", stderr, StringComparison.Ordinal);
        Assert.Contains("remove local.key", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_key_file_is_refused_by_name()
    {
        var (code, stderr) = await RunAsync(dir =>
        {
            Key(dir, "good.key");
            File.WriteAllText(Path.Combine(dir, "broken.key"), IdentityKey.Generate().ToFileContent() + "\n");
        });
        Assert.Equal(1, code);
        Assert.Contains("broken.key", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_keys_are_refused_naming_both_files()
    {
        var key = IdentityKey.Generate();
        var (code, stderr) = await RunAsync(dir =>
        {
            Key(dir, "a.key", key);
            Key(dir, "b.key", key);
        });
        Assert.Equal(1, code);
        Assert.Contains("duplicate key found in identity files", stderr, StringComparison.Ordinal);
        Assert.Contains("a.key", stderr, StringComparison.Ordinal);
        Assert.Contains("b.key", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smeshing_start_in_a_remote_setup_is_refused()
    {
        var (code, stderr) = await RunAsync(dir => Key(dir, "post1.key"), "--smeshing-start");
        Assert.Equal(1, code);
        Assert.Contains("smeshing enabled in remote setup", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_watch_pid_that_is_not_a_process_id_is_refused_by_its_flag()
    {
        var (code, stderr) = await RunAsync(dir => Key(dir, "a.key"), "--sim-watch-pid", "-3");
        Assert.Equal(1, code);
        Assert.Contains("invalid --sim-watch-pid \"-3\": expected a process id", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_flag_exits_2()
    {
        var (code, stderr) = await RunAsync(_ => { }, "--no-such-flag");
        Assert.Equal(2, code);
        Assert.Contains("unknown flag: --no-such-flag", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_that_are_not_exactly_dot_key_are_ignored_and_no_key_means_a_generated_local_key()
    {
        using var folder = new TempDirectory("pf-simnode-ids");
        var dir = folder.Combine("identities");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "x");
        File.WriteAllText(Path.Combine(dir, "upper.KEY"), "x");
        Directory.CreateDirectory(Path.Combine(dir, "sub.key"));
        var (mode, identities) = Simulator.Node.IdentityLoader.Load(dir, smeshingStart: false, coinbase: "c");
        Assert.Equal(Simulator.Node.SmeshingMode.Supervised, mode);
        Assert.Equal("local.key", Assert.Single(identities).FileName);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "local.key")));
        }
    }
}
